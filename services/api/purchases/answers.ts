import type { Order } from '../../../db/schema.js';
import type { EarlierOrder, PurchaseOutcome } from '../../strategies/strategy.js';
import { problemBody } from '../problem.js';
import { retryRequestAfterSeconds } from '../retry-after.js';

/** An HTTP answer as data: the route sends it, tests read it. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** What a purchase request says; replays compare these. */
export interface PurchaseFacts {
  sku: string;
  userId: string;
  quantity: number;
  strategy: string;
}

const retryAfterSeconds = String(retryRequestAfterSeconds);

/** 201 for an order or a hold (reserved, with its expiresAt and where to confirm it), 202 for a pending one. */
export function orderAccepted(orderId: string, status: 'confirmed' | 'pending' | 'reserved', facts: PurchaseFacts, expiresAt?: Date): HttpAnswer {
  const body = { orderId, status, sku: facts.sku, userId: facts.userId, quantity: facts.quantity, strategy: facts.strategy, ...(expiresAt === undefined ? {} : { expiresAt: expiresAt.toISOString() }) };
  if (status === 'pending') return { status: 202, body, headers: { location: `/v1/orders/${orderId}` } };
  return { status: 201, body, headers: status === 'reserved' ? { location: `/v1/orders/${orderId}` } : {} };
}

/** The one place where a strategy's outcome becomes a status code. */
export function answerFor(outcome: Exclude<PurchaseOutcome, { kind: 'duplicate' }>, facts: PurchaseFacts): HttpAnswer {
  switch (outcome.kind) {
    case 'confirmed':
    case 'pending':
      return orderAccepted(outcome.orderId, outcome.kind, facts);
    case 'reserved':
      return orderAccepted(outcome.orderId, 'reserved', facts, outcome.expiresAt);
    case 'sold_out':
      return { status: 409, body: problemBody('sold_out', `Not enough stock of ${facts.sku} for ${facts.quantity} unit(s).`), headers: {} };
    case 'per_user_limit':
      return { status: 409, body: problemBody('per_user_limit', `User ${facts.userId} may not hold more of ${facts.sku}: its per-user limit is reached.`), headers: {} };
    case 'unknown_sku':
      return { status: 404, body: problemBody('sku_not_found', `No SKU ${facts.sku}.`), headers: {} };
    case 'contended':
      return contendedAnswer(outcome.reason);
    case 'unavailable':
      return unavailableAnswer(outcome.dependency, outcome.reason);
  }
}

export function contendedAnswer(reason: string): HttpAnswer {
  return { status: 503, body: problemBody('contended', reason), headers: { 'retry-after': retryAfterSeconds } };
}

export function unavailableAnswer(dependency: string, reason: string): HttpAnswer {
  return { status: 503, body: problemBody('dependency_unavailable', `${dependency}: ${reason}`, { dependency }), headers: { 'retry-after': retryAfterSeconds } };
}

export const keyReusedAnswer: HttpAnswer = {
  status: 422,
  body: problemBody('idempotency_key_reused', 'This Idempotency-Key was first used with another sku, userId or quantity.'),
  headers: {},
};

export const inFlightAnswer: HttpAnswer = {
  status: 409,
  body: problemBody('idempotency_key_in_flight', 'Another request with this Idempotency-Key is still being processed; retry later.'),
  headers: { 'retry-after': retryAfterSeconds },
};

export function earlierOrderOf(order: Order): EarlierOrder {
  const earlier = { orderId: order.id, sku: order.sku, userId: order.user_id, quantity: order.quantity, strategy: order.strategy };
  return order.expires_at === null ? earlier : { ...earlier, expiresAt: order.expires_at };
}

/**
 * The answer to a retry of the request that created `earlier`: the first
 * answer again, marked as a replay, or 422 when the body differs. The first
 * answer of an asynchronous strategy was 202 with the order's Location,
 * whatever the order's status is by now; polling it tells the rest. A hold's
 * was 201 reserved with its expiresAt, confirmed or lapsed since or not.
 */
export function replayAnswer(earlier: EarlierOrder, request: Omit<PurchaseFacts, 'strategy'>, answeredAsync: boolean): HttpAnswer {
  if (earlier.sku !== request.sku || earlier.userId !== request.userId || earlier.quantity !== request.quantity) return keyReusedAnswer;
  const first = earlier.expiresAt !== undefined
    ? orderAccepted(earlier.orderId, 'reserved', earlier, earlier.expiresAt)
    : orderAccepted(earlier.orderId, answeredAsync ? 'pending' : 'confirmed', earlier);
  return { ...first, headers: { ...first.headers, 'idempotent-replayed': 'true' } };
}
