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
