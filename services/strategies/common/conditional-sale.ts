import type { Insertable } from 'kysely';
import { type Sale, sellIfAvailable } from '../../../db/queries/sales.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { keysWithOrders } from '../../../db/queries/orders.js';
import type { OutboxTable } from '../../../db/schema.js';
import { orderRow } from './orders.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, StrategyDeps } from '../strategy.js';

/**
 * The conditional decrement and the order in one statement (see
 * sellIfAvailable), plus the outbox event when `event` is given: how
 * pg-atomic, outbox and reserve (`hold`: the order is a hold) decide stock, in one place.
 */
export async function deductAndOrder(deps: Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>, request: PurchaseRequest, strategy: string, options: { event?: Insertable<OutboxTable>; hold?: boolean } = {}): Promise<PurchaseOutcome> {
  let sale: Sale;
  try {
    sale = await sellIfAvailable(deps.db, orderRow(request, strategy, options.hold === true ? 'reserved' : 'confirmed'), options.event);
  } catch (error: unknown) {
    if (isUniqueViolation(error)) return { kind: 'duplicate' };
    throw error;
  }
  const { result, expiresAt, decided } = sale;
  // A refusal's reason comes from the same statement: no second round trip.
  if (result === 'key_ordered') return { kind: 'duplicate' };
  if (result === 'unknown_sku') return { kind: 'unknown_sku' };
  if (result === 'short') return { kind: 'sold_out' };
  // The stock went while this statement waited for the row lock: was it this key's own sale, from another process?
  if (result === 'short_after_wait') return (await keysWithOrders(deps.db, [request.idempotencyKey])).size > 0 ? { kind: 'duplicate' } : { kind: 'sold_out' };
  if (decided !== null) mirrorToRedis(deps, strategy, request.sku, decided);
  if (expiresAt !== null) return { kind: 'reserved', orderId: request.orderId, expiresAt };
  return { kind: 'confirmed', orderId: request.orderId };
}
