import { insertOrder } from '../../db/queries/orders.js';
import { lockStock, overwriteStock, readStock, setLockTimeout } from '../../db/queries/skus.js';
import { isLockTimeout, isUniqueViolation } from '../../db/errors.js';
import { orderRow } from './orders.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'pg-pessimistic';

/**
 * SELECT … FOR UPDATE takes the SKU's row lock first; the read, the check and
 * the write then happen with nobody else able to touch the row. Buyers queue
 * on the lock for a whole transaction (three statements), longer than the
 * single conditional UPDATE of pg-atomic. lock_timeout bounds the queue: a
 * buyer who waits longer gets a 503 instead of holding a connection forever.
 */
export function createPgPessimistic(deps: StrategyDeps): Strategy {
  return {
    name,
    description: 'SELECT … FOR UPDATE, check, UPDATE and insert the order in one transaction, with a bounded lock_timeout.',
    async: false,
    refusalChecksKey: false,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      // A plain read first: stock seen short at any moment of this request is a true
      // sold-out answer (it does not grow back during a sale), and it spares the
      // refusal the row lock, which is a write (the lock is recorded in the row) and a commit.
      const seen = await readStock(deps.db, request.sku);
      if (seen === undefined) return { kind: 'unknown_sku' };
      if (seen.stock < request.quantity) return { kind: 'sold_out' };
      let outcome: PurchaseOutcome;
      try {
        outcome = await deps.db.transaction().execute(async (trx): Promise<PurchaseOutcome> => {
          await setLockTimeout(trx, deps.config.PG_LOCK_TIMEOUT_MS);
          const stock = await lockStock(trx, request.sku);
          if (stock === undefined) return { kind: 'unknown_sku' };
          if (stock < request.quantity) return { kind: 'sold_out' };
          await overwriteStock(trx, request.sku, stock - request.quantity);
          await insertOrder(trx, orderRow(request, name));
          return { kind: 'confirmed', orderId: request.orderId };
        });
      } catch (error: unknown) {
        if (isUniqueViolation(error)) return { kind: 'duplicate' };
        if (isLockTimeout(error)) return { kind: 'contended', reason: `row lock not granted within ${deps.config.PG_LOCK_TIMEOUT_MS} ms` };
        throw error;
      }
      if (outcome.kind === 'confirmed') mirrorToRedis(deps, name, request.sku, -request.quantity);
      return outcome;
    },
  };
}
