// The in-process worker and openDb() live in harness/worker.ts (shared with
// the benchmarks in load-tests/); test files import them from here. What
// follows them is for tests only: the worker as a real process, and reads of
// the database the audit does not expose.
import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { repoRoot } from '../../services/shared/env-files.js';
import { adminToken, type AuditBody } from '../../harness/api.js';

export { auditWhen } from '../../harness/api.js';
export * from '../../harness/worker.js';

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
