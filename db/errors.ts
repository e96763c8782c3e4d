/** PostgreSQL's SQLSTATE for a unique violation. */
const uniqueViolation = '23505';

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? error.code : undefined;
  if (code !== uniqueViolation) return false;
  return constraint === undefined || ('constraint' in error && error.constraint === constraint);
}
