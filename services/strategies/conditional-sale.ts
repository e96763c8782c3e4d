import type { Insertable } from 'kysely';
import { type SaleResult, sellIfAvailable } from '../../db/queries/sales.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { OutboxTable } from '../../db/schema.js';
import { orderRow } from './orders.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, StrategyDeps } from './strategy.js';

/**
 * The conditional decrement and the order in one statement (see
 * sellIfAvailable), plus the outbox event when `event` is given: how
 * pg-atomic and outbox both decide stock, in one place.
 */
export async function deductAndOrder(deps: StrategyDeps, request: PurchaseRequest, strategy: string, event?: Insertable<OutboxTable>): Promise<PurchaseOutcome> {
  let sale: SaleResult;
  try {
    sale = await sellIfAvailable(deps.db, orderRow(request, strategy), event);
  } catch (error: unknown) {
    if (isUniqueViolation(error)) return { kind: 'duplicate' };
    throw error;
  }
  // A refusal's reason comes from the same statement: no second round trip.
  if (sale === 'key_ordered') return { kind: 'duplicate' };
  if (sale === 'unknown_sku') return { kind: 'unknown_sku' };
  if (sale === 'short') return { kind: 'sold_out' };
  mirrorToRedis(deps, strategy, request.sku, -request.quantity);
  return { kind: 'confirmed', orderId: request.orderId };
}
