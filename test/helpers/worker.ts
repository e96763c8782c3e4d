import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import { pino } from 'pino';
import { createDb } from '../../db/client.js';
import type { Database } from '../../db/schema.js';
import { loadEnv, repoRoot } from '../../services/shared/env-files.js';
import { type RunningWorker, startWorker } from '../../services/worker/worker.js';
import { adminToken, type AuditBody, type RunningApi, startApi, testConfig } from './api.js';

export { auditWhen } from './api.js';

/**
 * An API and, in this test process, the worker that settles asynchronous
 * purchases and relays outbox events: what a test of every strategy needs.
 * stop() ends both, the worker first. Both take `overrides`.
 */
export async function startApiWithWorker(overrides: Record<string, string> = {}): Promise<{ api: RunningApi; stop: () => Promise<void> }> {
  const api = await startApi(overrides);
  const worker = await startWorker(testConfig(overrides), pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  return {
    api,
    stop: async () => {
      await worker.stop();
      await api.close();
    },
  };
}

/** The worker in this test process, as main.ts would run it. */
export function startInProcessWorker(overrides: Record<string, string> = {}): Promise<RunningWorker> {
  const config = testConfig(overrides);
  return startWorker(config, pino({ level: config.LOG_LEVEL }));
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it printed, for a failure message. */
  output: () => string;
  exited: Promise<number | null>;
}

// The first join after a SIGKILL waits for the dead member's 6 s session to expire.
const workerReadyTimeoutMs = 30_000;

/** The worker as a real process (tsx services/worker/main.ts), resolved once it logged "worker started". */
export async function spawnWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/worker/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + workerReadyTimeoutMs;
  while (!output.includes('"worker started"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`worker did not start:\n${output.slice(-3000)}`);
    }
    await sleep(50);
  }
  return { child, output: () => output, exited };
}

/** A direct connection for the checks the audit does not expose. */
export function openDb(): Kysely<Database> {
  return createDb({ connectionString: loadEnv().DATABASE_URL ?? '', poolMax: 2, acquireTimeoutMs: 5000, statementTimeoutMs: 5000, applicationName: 'worker-test' });
}

export async function orderStatuses(db: Kysely<Database>, sku: string): Promise<Record<string, number>> {
  const rows = await db.selectFrom('orders').select(['status', sql<string>`count(*)`.as('n')]).where('sku', '=', sku).groupBy('status').execute();
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.n)]));
}

/** Order ids of a SKU with more than one inbox row: must be none. */
export async function ordersWithSeveralInboxEvents(db: Kysely<Database>, sku: string): Promise<string[]> {
  const rows = await db.selectFrom('inbox').select('order_id').where('sku', '=', sku).groupBy('order_id').having(sql<number>`count(*)`, '>', 1).execute();
  return rows.map((row) => row.order_id);
}

export const settledQueue = (body: AuditBody): boolean => body.pendingUnits === 0;
export const settledOutbox = (body: AuditBody): boolean =>
  body.outboxBacklog === 0 && body.inboxEvents === body.confirmedOrders && body.everyOutboxOrderHasOneInboxEvent === true;
