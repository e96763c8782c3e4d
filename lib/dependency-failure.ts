/**
 * A dependency that is down or too slow (the caller answers 503 and may be
 * retried), as opposed to a bug (500). Each store's own module says which of
 * its errors are which (db/errors.ts for PostgreSQL); the service combines them.
 */
export interface DependencyFailure {
  kind: 'unavailable' | 'timeout';
  dependency: string;
  /** What the buyer is told happened, when it says more than "did not answer". */
  reason?: string;
}

// Socket errors any client library passes on as they are.
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** The error's `code` when it is a string (Node's system errors, PostgreSQL's SQLSTATE). */
export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** A socket that could not reach, or lost, its server. */
export function isNetworkError(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && networkCodes.has(code);
}
