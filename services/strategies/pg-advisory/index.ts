import { lockSkuKey, readStock, writeIfVersion } from '../../../db/queries/skus.js';
import { pgLockedSale } from '../common/pg-locked-sale.js';
import type { Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'pg-advisory';

export const pgAdvisoryFacts: StrategyFacts = {
  name,
  description: "pg_advisory_xact_lock on the SKU's key, then read, check, version-checked UPDATE and the order in one transaction, with a bounded lock_timeout.",
  ...plainFacts,
};

/**
 * A lock without Redis for a PostgreSQL shop: pg_advisory_xact_lock keyed on
 * the SKU (db/queries/skus.ts says how), held until COMMIT or ROLLBACK, so a
 * crashed buyer never leaves it held. Under it: read, check, write, order
 * (pg-locked-sale.ts, shared with pg-pessimistic).
 *
 * Three details carry the safety:
 * 1. The read is a statement of its own, after the lock's. Under READ
 *    COMMITTED each statement reads a snapshot taken when it starts; a read
 *    in the lock's own statement would use the snapshot from before the wait
 *    and miss the sale of the holder it waited for.
 * 2. The lock binds only the code that takes it. Another strategy may sell the
 *    same SKU without it (pg-atomic does), so the write is checked against the
 *    version read: a write from outside the lock becomes a 503 to retry, never
 *    a lost update. Among pg-advisory buyers the check never fails.
 * 3. lock_timeout bounds an advisory lock's wait as it does a row lock's.
 *
 * Unlike SELECT … FOR UPDATE (pg-pessimistic), taking the lock writes nothing
 * (FOR UPDATE marks the tuple, in the WAL), and the key need not be a row: a
 * SKU not created yet, a set of SKUs, a step outside the database.
 */
export function createPgAdvisory(deps: BaseDeps): Strategy {
  const purchase = pgLockedSale(deps, {
    name,
    what: 'advisory lock',
    async lockAndRead(trx, sku) {
      await lockSkuKey(trx, sku);
      const read = await readStock(trx, sku);
      if (read === undefined) return undefined;
      return { stock: read.stock, write: (stockLeft, sold) => writeIfVersion(trx, sku, read.version, stockLeft, sold) };
    },
  });
  return { ...pgAdvisoryFacts, refusalChecksKey: false, purchase };
}
