import type { Order } from '../../../db/schema.js';
import type { EarlierOrder, PurchaseOutcome } from '../../strategies/strategy.js';
import type { ErrorCode } from '../../shared/errors.js';
import { type Problem, problemBody } from '../problem.js';
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

// Answers that tell the client to come back: the catalogue's 503s.
const retryLater: ReadonlySet<ErrorCode> = new Set(['contended', 'dependency_unavailable', 'idempotency_key_in_flight']);

/** A problem as an answer: its status from the problem catalogue (services/shared/errors.ts), never written here. */
export function problemAnswer({ code, detail, extensions }: Problem): HttpAnswer {
  const body = problemBody(code, detail, extensions);
  return { status: body.status, body, headers: retryLater.has(code) ? { 'retry-after': retryAfterSeconds } : {} };
}

/** The problem a refusal is, or undefined for an accepted order. */
function refusalProblem(outcome: Exclude<PurchaseOutcome, { kind: 'duplicate' | 'confirmed' | 'pending' | 'reserved' }>, facts: PurchaseFacts): Problem {
  switch (outcome.kind) {
    case 'sold_out':
      return { code: 'sold_out', detail: `Not enough stock of ${facts.sku} for ${facts.quantity} unit(s).`, extensions: {} };
    case 'per_user_limit':
      return { code: 'per_user_limit', detail: `User ${facts.userId} may not hold more of ${facts.sku}: its per-user limit is reached.`, extensions: {} };
    case 'unknown_sku':
      return { code: 'sku_not_found', detail: `No SKU ${facts.sku}.`, extensions: {} };
    case 'contended':
      return { code: 'contended', detail: outcome.reason, extensions: {} };
    case 'unavailable':
      return { code: 'dependency_unavailable', detail: `${outcome.dependency}: ${outcome.reason}`, extensions: { dependency: outcome.dependency } };
  }
}

/** The one place where a strategy's outcome becomes an answer. */
export function answerFor(outcome: Exclude<PurchaseOutcome, { kind: 'duplicate' }>, facts: PurchaseFacts): HttpAnswer {
  switch (outcome.kind) {
    case 'confirmed':
    case 'pending':
      return orderAccepted(outcome.orderId, outcome.kind, facts);
    case 'reserved':
      return orderAccepted(outcome.orderId, 'reserved', facts, outcome.expiresAt);
    default:
      return problemAnswer(refusalProblem(outcome, facts));
  }
}

/**
 * Sold out, answered from this process's memory of the store's answer
 * (sold-out-memory.ts): `asOf` says when the store said so, at most
 * SOLD_OUT_MEMORY_TTL_MS before. Same status and code as the store's own.
 */
export function soldOutFromMemory(facts: PurchaseFacts, asOf: string): HttpAnswer {
  return problemAnswer({ code: 'sold_out', detail: `Not enough stock of ${facts.sku} for ${facts.quantity} unit(s), as of ${asOf}.`, extensions: { asOf } });
}

export const keyReusedAnswer = problemAnswer({ code: 'idempotency_key_reused', detail: 'This Idempotency-Key was first used with another sku, userId or quantity.', extensions: {} });

export const inFlightAnswer = problemAnswer({ code: 'idempotency_key_in_flight', detail: 'Another request with this Idempotency-Key is still being processed; retry later.', extensions: {} });

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
