// The worker in this process, and a direct database connection: the other
// half of the in-process harness (see api.ts beside this file).
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { createDb } from '../db/client.js';
import type { Database } from '../db/schema.js';
import { loadEnv } from '../services/shared/env-files.js';
import { type RunningWorker, startWorker } from '../services/worker/worker.js';
import { type RunningApi, startApi, testConfig } from './api.js';

/**
 * An API and, in this process, the worker that settles asynchronous
 * purchases and relays outbox events: what a run of every strategy needs.
 * stop() ends both, the worker first. Both take `overrides`.
 */
export async function startApiWithWorker(overrides: Record<string, string> = {}): Promise<{ api: RunningApi; stop: () => Promise<void> }> {
  const api = await startApi(overrides);
  const worker = await startInProcessWorker(overrides);
  return {
    api,
    stop: async () => {
      await worker.stop();
      await api.close();
    },
  };
}

/** The worker in this process, as main.ts would run it. */
export function startInProcessWorker(overrides: Record<string, string> = {}): Promise<RunningWorker> {
  const config = testConfig(overrides);
  return startWorker(config, pino({ level: config.LOG_LEVEL }));
}

/** A direct connection for the checks the audit does not expose. */
export function openDb(): Kysely<Database> {
  return createDb({ connectionString: loadEnv().DATABASE_URL ?? '', poolMax: 2, acquireTimeoutMs: 5000, statementTimeoutMs: 5000, applicationName: 'worker-test' });
}
