import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export interface DbOptions {
  connectionString: string;
  poolMax: number;
  acquireTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

export function createDb(options: DbOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolMax,
    // Bounds both a new connection and the wait for a free one in the pool.
    connectionTimeoutMillis: options.acquireTimeoutMs,
    // Server-side bound, so a stuck statement cannot hold a request forever.
    statement_timeout: options.statementTimeoutMs,
    application_name: options.applicationName,
    // Idle connections are kept a while: a flash sale comes in bursts.
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its server (restart, network) must not crash the process;
  // the next query reports the failure to its caller instead.
  pool.on('error', () => undefined);
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
