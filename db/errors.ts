import type { DependencyFailure } from '../lib/dependency-failure.js';

// SQLSTATEs we act on (PostgreSQL appendix A).
const uniqueViolation = '23505';
const lockNotAvailable = '55P03';
const foreignKeyViolation = '23503';
const queryCanceled = '57014';
const checkViolation = '23514';

function sqlState(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (sqlState(error) !== uniqueViolation) return false;
  return constraint === undefined || (typeof error === 'object' && error !== null && 'constraint' in error && error.constraint === constraint);
}

/** lock_timeout expired while waiting for a row lock. */
export function isLockTimeout(error: unknown): boolean {
  return sqlState(error) === lockNotAvailable;
}

/** statement_timeout expired (or the statement was cancelled). */
export function isStatementTimeout(error: unknown): boolean {
  return sqlState(error) === queryCanceled;
}

/** A row references one that does not exist (orders.sku → skus.sku: an unknown SKU). */
export function isForeignKeyViolation(error: unknown): boolean {
  return sqlState(error) === foreignKeyViolation;
}

/** The order would take its buyer past the SKU's per-user limit (user_purchases_within_limit). */
export function isPerUserLimit(error: unknown): boolean {
  return sqlState(error) === checkViolation && typeof error === 'object' && error !== null && 'constraint' in error && error.constraint === 'user_purchases_within_limit';
}

/** An order names a unit another order of its SKU holds (sold_units_pkey, raised by the orders' INSERT trigger). */
export function isUnitTaken(error: unknown): boolean {
  return isUniqueViolation(error, 'sold_units_pkey');
}

/**
 * No pooled connection in time while PostgreSQL answers (every connection in
 * use under load): busy, not down, so it trips no breaker, and the buyer is
 * told what the pool saw (`why`).
 */
export class PoolBusyError extends Error {
  override readonly name = 'PoolBusyError';
  constructor(readonly why: string) {
    super(`postgres busy: ${why}`);
  }
}

// pg-pool's own message when its connectionTimeoutMillis runs out: the same busy pool, said by pg.
const pgPoolTimeout = 'timeout exceeded when trying to connect';

// SQLSTATEs meaning "the server cannot serve this now" (shutdown, too many connections, out of resources).
const unavailableStates = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
// pg throws plain Errors for connection trouble: their messages are all there is to match.
const notAnsweringMessages = [
  'Query read timeout', // query_timeout: nothing came back from the server
  'Connection terminated', // the server went away mid-query
  'Client has encountered a connection error',
];

/** Whether the error is a full pool (PoolBusyError, or pg-pool's own timeout), not PostgreSQL failing. */
export function isPoolBusy(error: unknown): boolean {
  return error instanceof PoolBusyError || (error instanceof Error && error.message.includes(pgPoolTimeout));
}

/** What a PostgreSQL (pg, pg-pool, the guarded pool) error says of PostgreSQL, or undefined when it is none of those. */
export function postgresFailure(error: unknown): DependencyFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = sqlState(error);
  if (code === queryCanceled) return { kind: 'timeout', dependency: 'postgres' };
  // Chosen as a deadlock's victim, or a serialization failure: the transaction was rolled back and a retry may pass.
  if (code === '40P01' || code === '40001') return { kind: 'timeout', dependency: 'postgres', reason: 'transaction rolled back by a conflict with another (deadlock or serialization failure)' };
  if (typeof code === 'string' && (unavailableStates.has(code) || code.startsWith('08'))) return { kind: 'unavailable', dependency: 'postgres' };
  if (error instanceof PoolBusyError) return { kind: 'unavailable', dependency: 'postgres', reason: `busy: ${error.why}` };
  if (isPoolBusy(error)) return { kind: 'unavailable', dependency: 'postgres', reason: 'busy: no connection free in time' };
  if (notAnsweringMessages.some((m) => error.message.includes(m))) return { kind: 'unavailable', dependency: 'postgres' };
  return undefined;
}
