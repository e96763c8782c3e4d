// The in-process worker and openDb() live in harness/worker.ts (shared with
// the benchmarks in load-tests/); test files import them from here. What
// follows them is for tests only: the worker as a real process, and reads of
// the database the audit does not expose.
import type { ChildProcess } from 'node:child_process';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { spawnTs, waitFor } from '../../harness/processes.js';
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

/** The worker as a real process (services/worker/main.ts, through the shared launcher), resolved once it logged "worker started". */
export async function spawnWorker(env: Record<string, string> = {}): Promise<WorkerProcess> {
  const started = '"worker started"';
  const child = spawnTs('worker', 'services/worker/main.ts', { ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', ...env }, undefined, [started]);
  try {
    await waitFor(child, () => child.saw(started), workerReadyTimeoutMs);
  } catch (error: unknown) {
    child.process.kill('SIGKILL');
    throw error;
  }
  return { child: child.process, output: () => child.tail(), exited: child.exited };
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
