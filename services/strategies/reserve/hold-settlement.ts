import { cancelHold, confirmHold, expireHoldIfDue, keySettledAnother } from '../../../db/queries/holds.js';
import { findOrder } from '../../../db/queries/orders.js';
import { isUniqueViolation } from '../../../db/errors.js';
import type { Order } from '../../../db/schema.js';
import { ProblemError } from '../../shared/errors.js';
import type { SettleAction, Settled, StrategyDeps } from '../strategy.js';
import { afterRelease } from './hold-release.js';

type SettleDeps = Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>;

const endedBy: Record<SettleAction, Order['status']> = { confirm: 'confirmed', cancel: 'cancelled' };

const keyReused = () => new ProblemError('idempotency_key_reused', 'This Idempotency-Key already settled another order, or this one another way.');

/**
 * Why a confirm or cancel found no live hold, read after its statement
 * matched nothing: a replay of the same key, a hold that lapsed, or an order
 * that is not (or no longer) a hold.
 */
async function answerMiss(deps: SettleDeps, action: SettleAction, orderId: string, key: string): Promise<Settled> {
  const order = await findOrder(deps.db, orderId);
  if (order === undefined) throw new ProblemError('order_not_found', `No order ${orderId}.`);
  if (order.settle_key === key) {
    if (order.status === endedBy[action]) return { order, replayed: true };
    throw keyReused();
  }
  // A key settles one order: its reuse is 422 whatever this order's state, not only
  // when this order is a live hold (there the unique index says it). A miss costs this read.
  if (await keySettledAnother(deps.db, key, orderId)) throw keyReused();
  if (action === 'confirm' && order.status === 'reserved') {
    // Past its end, not yet swept: expire it now, as the sweeper would. When
    // that found nothing, the sweeper or a cancel ended it meanwhile: answer
    // from what the order became, so the answer and the order agree.
    const released = await expireHoldIfDue(deps.db, orderId);
    void afterRelease(deps, released);
    return refuse(action, released.length > 0 ? { ...order, status: 'expired' } : ((await findOrder(deps.db, orderId)) ?? order));
  }
  return refuse(action, order);
}

/** The problem for a confirm or cancel of an order that is no live hold. */
function refuse(action: SettleAction, order: Order): never {
  if (action === 'confirm' && order.status === 'expired') {
    throw new ProblemError('hold_expired', `The hold on order ${order.id} ended at ${order.expires_at?.toISOString() ?? '?'}; its units are back on sale.`, { extensions: { orderStatus: 'expired' } });
  }
  const what = order.expires_at === null ? 'was never a hold' : `is ${order.status}`;
  throw new ProblemError('order_not_reserved', `Order ${order.id} ${what}: there is no hold to ${action}.`, { extensions: { orderStatus: order.status } });
}

/**
 * Confirms (pays) or cancels a hold of strategy reserve, under its own
 * Idempotency-Key. PostgreSQL decides between this and the hold's expiry
 * (db/queries/holds.ts): exactly one ends it. A cancel gives the units back
 * in the same statement.
 */
export async function settleHold(deps: SettleDeps, action: SettleAction, orderId: string, key: string): Promise<Settled> {
  try {
    if (action === 'confirm') {
      const confirmed = await confirmHold(deps.db, orderId, key);
      if (confirmed !== undefined) return { order: confirmed, replayed: false };
    } else {
      const released = await cancelHold(deps.db, orderId, key);
      if (released.length > 0) {
        void afterRelease(deps, released);
        const order = await findOrder(deps.db, orderId);
        if (order !== undefined) return { order, replayed: false };
      }
    }
  } catch (error: unknown) {
    // settle_key is unique: this key already settled another order.
    if (isUniqueViolation(error)) throw keyReused();
    throw error;
  }
  return answerMiss(deps, action, orderId, key);
}
