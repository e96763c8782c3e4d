import type { Order } from '../../../db/schema.js';
import type { PurchaseOutcome } from '../../strategies/strategy.js';
import { problemBody } from '../problem.js';

/** An HTTP answer as data, so it can be stored and replayed for an Idempotency-Key. */
export interface HttpAnswer {
  status: number;
  body: unknown;
  headers: Record<string, string>;
  /** Whether a retry with the same key must get this same answer. */
  final: boolean;
}

export interface PurchaseFacts {
  sku: string;
  userId: string;
  quantity: number;
  strategy: string;
}

// How long a client should wait before retrying a 503: one second is enough
// for a lock to change hands or a pool slot to free, and spreads retries out.
const retryAfterSeconds = 1;

export function orderAccepted(orderId: string, status: 'confirmed' | 'pending', facts: PurchaseFacts): HttpAnswer {
  const body = { orderId, status, sku: facts.sku, userId: facts.userId, quantity: facts.quantity, strategy: facts.strategy };
  return status === 'confirmed'
    ? { status: 201, body, headers: {}, final: true }
    : { status: 202, body, headers: { location: `/v1/orders/${orderId}` }, final: true };
}

/** The one place where a strategy's outcome becomes a status code. */
export function answerFor(outcome: Exclude<PurchaseOutcome, { kind: 'duplicate' }>, facts: PurchaseFacts): HttpAnswer {
  switch (outcome.kind) {
    case 'confirmed':
    case 'pending':
      return orderAccepted(outcome.orderId, outcome.kind, facts);
    case 'sold_out':
      return { status: 409, body: problemBody('sold_out', `Not enough stock of ${facts.sku} for ${facts.quantity} unit(s).`), headers: {}, final: true };
    case 'unknown_sku':
      // Not stored: the SKU may be created later and the same key then succeed.
      return { status: 404, body: problemBody('sku_not_found', `No SKU ${facts.sku}.`), headers: {}, final: false };
    case 'contended':
      return contendedAnswer(outcome.reason);
    case 'unavailable':
      return unavailableAnswer(outcome.dependency, outcome.reason);
  }
}

// 503s are never stored: the point of Retry-After is that the same key may succeed.
export function contendedAnswer(reason: string): HttpAnswer {
  return { status: 503, body: problemBody('contended', reason), headers: { 'retry-after': String(retryAfterSeconds) }, final: false };
}

export function unavailableAnswer(dependency: string, reason: string): HttpAnswer {
  return {
    status: 503,
    body: problemBody('dependency_unavailable', `${dependency}: ${reason}`, { dependency }),
    headers: { 'retry-after': String(retryAfterSeconds) },
    final: false,
  };
}

/** The answer for a key whose order already exists (written by an earlier attempt). */
export function answerFromOrder(order: Order): HttpAnswer {
  const facts = { sku: order.sku, userId: order.user_id, quantity: order.quantity, strategy: order.strategy };
  if (order.status === 'rejected') return answerFor({ kind: 'sold_out' }, facts);
  return orderAccepted(order.id, order.status, facts);
}
