import { ClientRuntimeError, EtcdError, GRPCGenericError } from 'etcd3';
import { CircuitOpenError } from './circuit-breaker.js';

/**
 * Tells a dependency that is down or too slow (answer 503, the client may
 * retry) from a bug (answer 500). Matching on codes and messages is the only
 * way: pg and ioredis throw plain Errors for connection trouble.
 */
const networkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

// SQLSTATEs meaning "the server cannot serve this now" (shutdown, too many connections, out of resources).
const pgUnavailableStates = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const pgStatementTimeout = '57014';

// pg pool: no free connection in time. PostgreSQL may be answering (every
// connection busy under load), so this one alone does not trip a breaker.
export const pgPoolBusy = 'timeout exceeded when trying to connect';
const pgMessages = [
  pgPoolBusy,
  'Query read timeout', // query_timeout: nothing came back from the server
  'Connection terminated', // the server went away mid-query
  'Client has encountered a connection error',
];
const redisMessages = [
  'Connection is closed',
  'Command timed out', // commandTimeout
  'Reached the max retries per request limit', // MaxRetriesPerRequestError
  "Stream isn't writeable",
];

export interface DependencyFailure {
  kind: 'unavailable' | 'timeout';
  dependency: string;
  /** What the buyer is told happened, when it says more than "did not answer". */
  reason?: string;
}

export function classifyDependencyFailure(error: unknown): DependencyFailure | undefined {
  if (error instanceof AggregateError) {
    return error.errors.map(classifyDependencyFailure).find((failure) => failure !== undefined);
  }
  if (!(error instanceof Error)) return undefined;
  if (error instanceof CircuitOpenError) return { kind: 'unavailable', dependency: error.dependency, reason: 'not answering; requests refused at once for a moment (circuit open)' };
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code === pgStatementTimeout) return { kind: 'timeout', dependency: 'postgres' };
  if (code !== undefined && (pgUnavailableStates.has(code) || code.startsWith('08'))) return { kind: 'unavailable', dependency: 'postgres' };
  if (error.name === 'MaxRetriesPerRequestError' || redisMessages.some((m) => error.message.includes(m))) {
    return { kind: 'unavailable', dependency: 'redis' };
  }
  // Busy is not down: every connection was in use for the whole wait (load), and the buyer is told so.
  // The guarded pool says why after the colon (the queue it saw, or the wait that ran out).
  if (error.message.includes(pgPoolBusy)) {
    const why = error.message.split(`${pgPoolBusy}: `)[1];
    return { kind: 'unavailable', dependency: 'postgres', reason: `busy: ${why ?? 'no connection free in time'}` };
  }
  if (pgMessages.some((m) => error.message.includes(m))) return { kind: 'unavailable', dependency: 'postgres' };
  // etcd3 wraps every gRPC failure (deadline, unavailable, no leader) in its own classes;
  // with every member's breaker open it throws cockatiel's BrokenCircuitError.
  if (error instanceof GRPCGenericError || error instanceof EtcdError || error instanceof ClientRuntimeError || ('isBrokenCircuitError' in error && error.isBrokenCircuitError === true)) {
    return { kind: 'unavailable', dependency: 'etcd' };
  }
  if (code !== undefined && networkCodes.has(code)) return { kind: 'unavailable', dependency: 'unknown' };
  return undefined;
}
