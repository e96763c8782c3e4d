/**
 * An expected failure (missing tool, busy port, server that does not answer).
 * The CLI prints its message as one line and exits 1, never a stack trace.
 */
export class StackError extends Error {
  override name = 'StackError';
}

/** The message of anything thrown, for one-line reports. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
