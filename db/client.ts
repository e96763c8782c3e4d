import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { guardedPool } from './guarded-pool.js';
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
// A server that answers completes something every few milliseconds under
// load; 300 ms with nothing answered while a query waits, and no answer to a
// SELECT 1 on a warm connection of its own within 250 ms, means it is not
// answering: the 503 comes within ~0.6 s rather than after the timeouts.
// (Tripping on the first condition alone, at 800 ms, left pg-atomic's 503s
// at p95 1.02 s in the 5 s pause of npm run faults; at 500 ms it tripped on
// an idle API whose first query after a while took that long on loaded CI.
// At 400 + 300 ms with a cold asking connection, slow-postgres's 503s were
// at p95 1.08 s.)
const stallMs = 300;
const askMs = 250;

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
  const guarded = guardedPool(pool, { cooldownMs, stallMs, askMs, probeMs: options.acquireTimeoutMs + options.statementTimeoutMs + clientMarginMs });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: guarded }) });
}
