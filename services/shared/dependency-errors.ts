import { ClientRuntimeError, EtcdError, GRPCGenericError } from 'etcd3';
import { CircuitOpenError } from '../../lib/circuit-breaker.js';
import { type DependencyFailure, isNetworkError } from '../../lib/dependency-failure.js';
import { postgresFailure } from '../../db/errors.js';

export type { DependencyFailure };

// ioredis throws plain Errors for connection trouble: their messages are all there is to match.
const redisMessages = [
  'Connection is closed',
  'Command timed out', // commandTimeout
  'Reached the max retries per request limit', // MaxRetriesPerRequestError
  "Stream isn't writeable",
  // A Redis Cluster mid-failover or mid-reshard: a slot with no master yet,
  // a slot moving, a node still loading its data, or the client out of hops.
  'CLUSTERDOWN',
  'TRYAGAIN',
  'LOADING',
  'MASTERDOWN',
  'Too many Cluster redirections',
  'None of startup nodes is available',
  'Cluster is disconnected',
  "Cluster isn't ready",
  'Node is disconnected',
];

/**
 * Tells a dependency that is down or too slow (answer 503, the client may
 * retry) from a bug (answer 500), for every store the service uses: the one
 * mapping the purchase flow and the problems plugin share. PostgreSQL's
 * errors are classified beside its queries (db/errors.ts).
 */
export function classifyDependencyFailure(error: unknown): DependencyFailure | undefined {
  if (error instanceof AggregateError) {
    return error.errors.map(classifyDependencyFailure).find((failure) => failure !== undefined);
  }
  if (!(error instanceof Error)) return undefined;
  if (error instanceof CircuitOpenError) return { kind: 'unavailable', dependency: error.dependency, reason: 'not answering; requests refused at once for a moment (circuit open)' };
  const postgres = postgresFailure(error);
  if (postgres !== undefined) return postgres;
  if (error.name === 'MaxRetriesPerRequestError' || redisMessages.some((m) => error.message.includes(m))) {
    return { kind: 'unavailable', dependency: 'redis' };
  }
  // etcd3 wraps every gRPC failure (deadline, unavailable, no leader) in its own classes;
  // with every member's breaker open it throws cockatiel's BrokenCircuitError.
  if (error instanceof GRPCGenericError || error instanceof EtcdError || error instanceof ClientRuntimeError || ('isBrokenCircuitError' in error && error.isBrokenCircuitError === true)) {
    return { kind: 'unavailable', dependency: 'etcd' };
  }
  if (isNetworkError(error)) return { kind: 'unavailable', dependency: 'unknown' };
  return undefined;
}
