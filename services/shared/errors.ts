/**
 * The one list of error codes. Each is also the tail of the problem+json
 * `type` and its `code` field, so clients can switch on either. Adding a code
 * here is a contract change: never rename one.
 */
export const errorCodes = [
  'validation_failed',
  'unknown_strategy',
  'unauthorized',
  'route_not_found',
  'method_not_allowed',
  'sku_not_found',
  'sku_exists',
  'order_not_found',
  'sold_out',
  'per_user_limit',
  'hold_expired',
  'order_not_reserved',
  'idempotency_key_in_flight',
  'idempotency_key_reused',
  'rate_limited',
  'too_many_connections',
  'payload_too_large',
  'unsupported_media_type',
  'malformed_request',
  'request_incomplete',
  'header_too_large',
  'contended',
  'dependency_unavailable',
  'internal_error',
  'admission_required',
  'admission_invalid',
  'no_waiting_room',
  'ticket_not_found',
] as const;

export type ErrorCode = (typeof errorCodes)[number];

const catalog: Record<ErrorCode, { status: number; title: string }> = {
  validation_failed: { status: 400, title: 'The request is not valid' },
  unknown_strategy: { status: 400, title: 'Unknown stock-deduction strategy' },
  unauthorized: { status: 401, title: 'Missing or wrong admin token' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'The route does not take this method' },
  sku_not_found: { status: 404, title: 'Unknown SKU' },
  sku_exists: { status: 409, title: 'The SKU already exists' },
  order_not_found: { status: 404, title: 'Unknown order' },
  sold_out: { status: 409, title: 'Sold out' },
  per_user_limit: { status: 409, title: 'This buyer already holds as many units of the SKU as it allows' },
  hold_expired: { status: 409, title: 'The hold ended before it was confirmed; its units are back on sale' },
  order_not_reserved: { status: 409, title: 'The order is not a live hold: confirmed, cancelled, expired, or never a hold' },
  idempotency_key_in_flight: { status: 409, title: 'A request with this Idempotency-Key is still being processed' },
  idempotency_key_reused: { status: 422, title: 'This Idempotency-Key was used with a different request body' },
  too_many_connections: { status: 503, title: 'This process holds as many busy connections as it takes; retry on a new one' },
  rate_limited: { status: 429, title: 'Too many purchases from this buyer or address; retry after the time given' },
  payload_too_large: { status: 413, title: 'The request body is too large' },
  unsupported_media_type: { status: 415, title: 'The request body must be application/json' },
  malformed_request: { status: 400, title: 'The request is not valid HTTP/1.1' },
  request_incomplete: { status: 400, title: 'The request did not arrive whole in time' },
  header_too_large: { status: 431, title: "The request's headers are too large" },
  contended: { status: 503, title: 'The strategy could not decide in time' },
  dependency_unavailable: { status: 503, title: 'A dependency is unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
  admission_required: { status: 403, title: 'This SKU sells through its waiting room: join the line for an admission token' },
  admission_invalid: { status: 403, title: 'The admission token is not valid for this purchase' },
  no_waiting_room: { status: 409, title: 'This SKU sells without a waiting room: buy directly' },
  ticket_not_found: { status: 404, title: 'No such ticket in the line of this SKU' },
};

export function problemType(code: ErrorCode): string {
  return `urn:flash-sale-inventory:problem:${code}`;
}

export function statusOf(code: ErrorCode): number {
  return catalog[code].status;
}

export function titleOf(code: ErrorCode): string {
  return catalog[code].title;
}

/** An expected failure that the HTTP layer turns into problem+json. */
export class ProblemError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds: number | undefined;
  readonly extensions: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    detail: string,
    options: { retryAfterSeconds?: number; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.name = 'ProblemError';
    this.code = code;
    this.status = statusOf(code);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.extensions = options.extensions ?? {};
  }
}
