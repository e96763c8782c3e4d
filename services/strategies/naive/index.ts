import { insertOrder } from '../../../db/queries/orders.js';
import { overwriteStock, readStock } from '../../../db/queries/skus.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { orderRow } from '../common/orders.js';
import { mirrorToRedis } from '../common/stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'naive';

// The one unsafe strategy: the audit and every report must catch its oversell.
export const naiveFacts: StrategyFacts = {
  name,
  description: 'Unsafe baseline: read stock, then write read − quantity. Oversells under concurrency.',
  ...plainFacts,
  safe: false,
};

/**
 * Deliberately unsafe: read, decide in the application, write back the value
 * computed from the read. Between the read and the write other buyers read the
 * same stock, so several of them sell the same units (a lost update). It exists
 * to show that the audit catches oversell. Never use it.
 */
export function createNaive(deps: BaseDeps): Strategy {
  return {
    ...naiveFacts,
    refusalChecksKey: false,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      const current = await readStock(deps.db, request.sku);
      if (current === undefined) return { kind: 'unknown_sku' };
      if (current.stock < request.quantity) return { kind: 'sold_out' };
      let decided: number;
      try {
        decided = await deps.db.transaction().execute(async (trx) => {
          const total = await overwriteStock(trx, request.sku, current.stock - request.quantity, request.quantity);
          await insertOrder(trx, orderRow(request, name));
          return total;
        });
      } catch (error: unknown) {
        if (isUniqueViolation(error)) return { kind: 'duplicate' };
        throw error;
      }
      mirrorToRedis(deps, name, request.sku, decided);
      return { kind: 'confirmed', orderId: request.orderId };
    },
  };
}
