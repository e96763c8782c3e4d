import { findOrder } from '../../db/queries/orders.js';
import { isForeignKeyViolation } from '../../db/errors.js';
import { classifyDependencyFailure } from '../shared/dependency-errors.js';
import { deductionKey, stockKey } from '../shared/redis-keys.js';
import { createOrderWriter } from './batching/order-writer.js';
import { orderRow } from './orders.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'redis-lua';

// The marker must outlive every retry of one Idempotency-Key; 24 h is the
// usual retention of such keys, and PostgreSQL keeps the answer after that.
const deductionTtlMs = 24 * 60 * 60 * 1000;

/**
 * Redis decides: one Lua script checks and decrements the counter and marks
 * the Idempotency-Key with the order id, atomically. PostgreSQL then records
 * the order with an INSERT (batched with the SKU's other orders of the
 * moment, see order-writer.ts) and no UPDATE of the SKU's stock row, so
 * concurrent sales share commits instead of queueing on that row; the stock catch-up subtracts such orders from skus.stock in batches
 * (stock_applied = false until then). If the insert fails, the Redis
 * deduction is given back (compensation), unless the commit's outcome is
 * unknown: then the stock stays taken, because giving it back could oversell.
 */
export function createRedisLua(deps: StrategyDeps): Strategy {
  // Same bound as pg-batched's batches: the size of one multi-row INSERT.
  const orders = createOrderWriter(deps.db, deps.config.PG_BATCH_MAX_SIZE);

  async function giveBack(request: PurchaseRequest, orderId: string): Promise<void> {
    try {
      const restored = await deps.redis.restoreStock(stockKey(request.sku), deductionKey(request.sku, request.idempotencyKey), request.quantity, orderId);
      deps.metrics.compensations.inc({ strategy: name, result: restored === 1 ? 'restored' : 'not_owner' });
    } catch (error: unknown) {
      // The units stay taken in Redis without an order: undersold, never oversold.
      deps.metrics.compensations.inc({ strategy: name, result: 'failed' });
      deps.log.error({ err: error, sku: request.sku, orderId }, 'could not give stock back to Redis');
    }
  }

  return {
    name,
    description: 'Atomic Redis Lua check-and-decrement (idempotent per key), then the order in PostgreSQL; compensated on failure.',
    async: false,
    refusalChecksKey: true,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      const [kind, value] = await deps.redis.deductStock(
        stockKey(request.sku),
        deductionKey(request.sku, request.idempotencyKey),
        request.quantity,
        request.orderId,
        deductionTtlMs,
      );
      if (kind === -1) return { kind: 'unknown_sku' };
      if (kind === 0) return { kind: 'sold_out' };
      // kind 2: an earlier attempt with this key took the stock; finish its order.
      const orderId = kind === 2 ? String(value) : request.orderId;
      const tookNow = kind === 1;

      try {
        if ((await orders.write({ ...orderRow({ ...request, orderId }, name), stock_applied: false })) === 'inserted') return { kind: 'confirmed', orderId };
        // The order exists already; only stock taken by this call is extra.
        if (tookNow) await giveBack(request, orderId);
        return { kind: 'duplicate' };
      } catch (error: unknown) {
        // orders.sku references skus.sku: Redis knew a SKU that PostgreSQL does not.
        if (isForeignKeyViolation(error)) {
          await giveBack(request, orderId);
          return { kind: 'unknown_sku' };
        }
        if (classifyDependencyFailure(error) !== undefined) {
          // The insert (its own commit) may have reached PostgreSQL: look before giving anything back.
          const order = await findOrder(deps.db, orderId).catch(() => null);
          if (order !== undefined && order !== null) return { kind: 'confirmed', orderId };
          if (order === null) return { kind: 'unavailable', dependency: 'postgres', reason: 'commit outcome unknown; stock kept for a retry with the same key' };
        }
        await giveBack(request, orderId);
        const failure = classifyDependencyFailure(error);
        if (failure?.kind === 'timeout') return { kind: 'contended', reason: 'PostgreSQL statement timed out' };
        if (failure?.kind === 'unavailable') return { kind: 'unavailable', dependency: 'postgres', reason: 'order not written' };
        throw error;
      }
    },
  };
}
