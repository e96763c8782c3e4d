import { Kysely, PostgresDialect, type PostgresCursor, type PostgresPool, type PostgresPoolClient, type PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { type CircuitBreaker, CircuitOpenError, createCircuitBreaker } from '../services/shared/circuit-breaker.js';
import { classifyDependencyFailure, pgPoolBusy } from '../services/shared/dependency-errors.js';
import type { Database } from './schema.js';

export interface DbOptions {
  connectionString: string;
  poolMax: number;
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

// The client-side bound sits just above the server's own statement_timeout:
// a server that answers cancels its statement first (and the connection stays
// usable); this one only fires when nothing comes back at all (a paused
// server, a dead network path), where a server-side timeout never can.
const clientMarginMs = 500;
// After PostgreSQL stopped answering, new requests fail at once for this long
// before one is let through to try again (see circuit-breaker.ts).
const cooldownMs = 1000;

/**
 * True for a failure that says PostgreSQL did not answer, as opposed to an
 * answer that refused (a statement or lock timeout is the server answering).
 * A full pool is left out: under load every connection is busy while the
 * server answers fine, and shedding that load is the pool timeout's job.
 */
function notAnswering(error: unknown): boolean {
  if (error instanceof Error && error.message.includes(pgPoolBusy)) return false;
  return classifyDependencyFailure(error)?.kind === 'unavailable';
}

/**
 * The pool Kysely uses, guarded. A client whose query got no answer in time
 * still has that query on its connection (node-postgres only stops waiting),
 * so it is destroyed on release instead of going back to the pool, where the
 * next request would queue behind the stalled statement. And a breaker turns
 * "PostgreSQL is not answering" into an immediate refusal for later requests.
 */
function guardedPool(pool: pg.Pool, breaker: CircuitBreaker): PostgresPool {
  // Requests queued for a connection when PostgreSQL is found not answering:
  // they are refused then and there, not left to their own acquire timeout.
  const queued = new Set<(error: Error) => void>();
  const trip = (): void => {
    breaker.failed();
    for (const refuse of queued) refuse(new CircuitOpenError('postgres'));
    queued.clear();
  };

  /** pool.connect(), or a refusal as soon as the breaker trips; a connection that comes after that goes straight back. */
  function acquire(): Promise<pg.PoolClient> {
    return new Promise((resolve, reject) => {
      let refused = false;
      const refuse = (error: Error): void => {
        refused = true;
        reject(error);
      };
      queued.add(refuse);
      pool.connect().then(
        (client) => {
          queued.delete(refuse);
          if (refused) client.release();
          else resolve(client);
        },
        (error: unknown) => {
          queued.delete(refuse);
          if (notAnswering(error)) trip();
          reject(error);
        },
      );
    });
  }

  return {
    options: pool.options,
    async connect(): Promise<PostgresPoolClient> {
      const pass = breaker.tryPass();
      if (pass === undefined) throw new CircuitOpenError('postgres');
      const client = await acquire();
      let broken = false;
      // A connection lost while checked out (reset, server gone) makes pg emit
      // 'error' on the client when no query is waiting for it; pg-pool listens
      // only to idle clients, and an unheard 'error' would end the process.
      const lost = (): void => {
        broken = true;
        trip();
      };
      client.on('error', lost);
      // Kysely's view of the same client, for the typed query overloads.
      const inner: PostgresPoolClient = client;
      const report = <T>(running: Promise<T>): Promise<T> =>
        running.then(
          (result) => {
            breaker.succeeded(pass);
            return result;
          },
          (error: unknown) => {
            if (notAnswering(error)) {
              trip();
              broken = true;
            }
            throw error;
          },
        );
      function query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(first: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        // Cursors (streaming) are not used here; passed through as they are.
        if (typeof first !== 'string') return inner.query(first);
        return report(inner.query<R>(first, parameters ?? []));
      }
      return {
        query,
        // Destroyed rather than reused when its last query got no answer or its connection was lost (see above).
        release: (destroy?: boolean) => {
          client.off('error', lost);
          client.release(destroy === true || broken);
        },
      };
    },
    end: () => pool.end(),
  };
}

export function createDb(options: DbOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolMax,
    // Bounds both a new connection and the wait for a free one in the pool.
    connectionTimeoutMillis: options.acquireTimeoutMs,
    // Server-side bound, so a stuck statement cannot hold a request forever.
    statement_timeout: options.statementTimeoutMs,
    // Client-side bound, for when the server cannot enforce its own.
    query_timeout: options.statementTimeoutMs + clientMarginMs,
    application_name: options.applicationName,
    // Idle connections are kept a while: a flash sale comes in bursts.
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server (restart, network) must not crash the process;
  // the next query reports the failure to its caller instead.
  pool.on('error', () => undefined);
  const breaker = createCircuitBreaker({ cooldownMs, probeMs: options.acquireTimeoutMs + options.statementTimeoutMs + clientMarginMs });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardedPool(pool, breaker) }) });
}
