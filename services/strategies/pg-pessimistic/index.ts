import { lockStock, overwriteStock } from '../../../db/queries/skus.js';
import { pgLockedSale } from '../common/pg-locked-sale.js';
import type { Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'pg-pessimistic';

export const pgPessimisticFacts: StrategyFacts = {
  name,
  description: 'SELECT … FOR UPDATE, check, UPDATE and insert the order in one transaction, with a bounded lock_timeout.',
  ...plainFacts,
};

/**
 * SELECT … FOR UPDATE takes the SKU's row lock first; the read, the check and
 * the write then happen with nobody else able to touch the row. Buyers queue
 * on the lock for a whole transaction (three statements), longer than the
 * single conditional UPDATE of pg-atomic. lock_timeout bounds the queue: a
 * buyer who waits longer gets a 503 instead of holding a connection forever.
 * Every writer of the row waits for this lock, whatever its strategy, so the
 * stock read under it is the stock written over.
 */
export function createPgPessimistic(deps: BaseDeps): Strategy {
  const purchase = pgLockedSale(deps, {
    name,
    what: 'row lock',
    async lockAndRead(trx, sku) {
      const stock = await lockStock(trx, sku);
      if (stock === undefined) return undefined;
      return {
        stock,
        write: (stockLeft, sold) => overwriteStock(trx, sku, stockLeft, sold),
      };
    },
  });
  return { ...pgPessimisticFacts, refusalChecksKey: false, purchase };
}
