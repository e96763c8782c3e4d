import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { type RunningApi, auditWhen, countBy, createSku, patient, purchase, startApi, uniqueSku } from '../helpers/api.js';
import { openDb, orderStatuses, spawnWorker, type WorkerProcess } from '../helpers/worker.js';

// The worker killed with kill -9 while its sweep statement is inside PostgreSQL:
// the statement is held there by a lock on the SKU row that this test takes, so
// the kill lands mid-statement every time, not by luck of timing.
const holds = 40;
const sweep = { HOLD_SWEEP_MS: '20' };
// The killed worker's statement must outlive the longest hold-up below: with the
// default 2.5 s statement timeout PostgreSQL would cancel it (the rollback case).
const killedSweep = { ...sweep, PG_STATEMENT_TIMEOUT_MS: '60000' };

let api: RunningApi;
let db: Kysely<Database>;
const started: WorkerProcess[] = [];

beforeAll(async () => {
  api = await startApi(patient);
  db = openDb();
});

afterEach(() => {
  // Every worker this file started is gone by PID, whatever the test did.
  for (const worker of started.splice(0)) if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
});

afterAll(async () => {
  await api.close();
  await db.destroy();
});

async function lapsedHolds(name: string): Promise<string> {
  const sku = uniqueSku(name);
  await createSku(api, sku, holds, undefined, { holdSeconds: 1 });
  const answers = await Promise.all(Array.from({ length: holds }, () => purchase(api, { sku, userId: `u-${randomUUID()}`, strategy: 'reserve' })));
  expect(countBy(answers)).toEqual({ 201: holds });
  await allDue(sku);
  return sku;
}

/**
 * Waits until every hold of the SKU is past its end by PostgreSQL's clock, so
 * the worker's first sweep takes all of them in one statement. Without this,
 * a worker that starts fast sweeps the holds already due, the kill lands on
 * that statement, and the rest stay reserved with no worker to end them.
 */
async function allDue(sku: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ live: string }>`select count(*) as live from orders where sku = ${sku} and expires_at > now()`.execute(db);
    if (rows[0]?.live === '0') return;
    if (Date.now() > deadline) throw new Error(`holds of ${sku} not all due after 10 s`);
    await sleep(50);
  }
}

/** The worker's sweep statement, waiting for the SKU row this test locked: its pid in PostgreSQL. */
async function blockedSweep(): Promise<number> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const { rows } = await sql<{ pid: number }>`
      select pid from pg_stat_activity
      where application_name = 'flash-sale-worker' and wait_event_type = 'Lock' and query like '%picked%'`.execute(db);
    if (rows[0] !== undefined) return rows[0].pid;
    if (Date.now() > deadline) throw new Error('the sweep never reached the locked SKU row');
    await sleep(20);
  }
}

/** Holds the SKU's row lock until the returned function is called. */
async function lockSkuRow(sku: string): Promise<() => Promise<void>> {
  let release = (): void => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let locked = (): void => undefined;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const done = db.transaction().execute(async (trx) => {
    await sql`select stock from skus where sku = ${sku} for update`.execute(trx);
    locked();
    await released;
  });
  await isLocked;
  return async () => {
    release();
    await done;
  };
}

async function killMidSweep(sku: string): Promise<{ pid: number; unlock: () => Promise<void> }> {
  const unlock = await lockSkuRow(sku);
  const worker = await spawnWorker(killedSweep);
  started.push(worker);
  const pid = await blockedSweep();
  worker.child.kill('SIGKILL');
  await worker.exited;
  return { pid, unlock };
}

describe('the hold sweeper killed mid-statement loses no hold', () => {
  it('when PostgreSQL drops the dead worker\'s statement: every hold stays reserved, and the next worker releases them all', async () => {
    const sku = await lapsedHolds('sweeper-killed-rollback');
    const { pid, unlock } = await killMidSweep(sku);
    // The connection's end reaching PostgreSQL: the statement rolls back.
    await sql`select pg_terminate_backend(${pid})`.execute(db);
    await unlock();
    expect(await orderStatuses(db, sku)).toEqual({ reserved: holds });

    started.push(await spawnWorker(sweep));
    const audit = await auditWhen(api, sku, (body) => body.releasedUnits === holds && body.consistent === true, 15_000);
    expect(audit).toMatchObject({ reservedUnits: 0, confirmedUnits: 0, pgStock: holds, redisStock: holds, oversoldUnits: 0 });
  });

  // 0 ms: the statement commits as soon as the row is free. 3,000 ms: it commits long after
  // the 1 s quiet window the first design's repair relied on, which dropped the SKU meanwhile.
  it.each([0, 3_000])('when the dead worker\'s statement commits after all (held %i ms more): the units are back and Redis is set from the orders', async (heldMs) => {
    const sku = await lapsedHolds(`sweeper-killed-commit-${heldMs}`);
    const { unlock } = await killMidSweep(sku);
    // The statement was sent whole: PostgreSQL runs it to its commit once the row is free, and nobody copies it to Redis.
    await sleep(heldMs);
    await unlock();
    await auditWhen(api, sku, (body) => body.releasedUnits === holds, 5_000);
    // No worker runs now: the API's mirror repair copies the release, which the
    // statement's own commit marked as still to copy (hold-release.ts).
    const audit = await auditWhen(api, sku, (body) => body.consistent === true, 15_000);
    expect(audit).toMatchObject({ reservedUnits: 0, releasedUnits: holds, pgStock: holds, redisStock: holds, oversoldUnits: 0 });
    expect(await orderStatuses(db, sku)).toEqual({ expired: holds });
  });
});

describe('a SKU whose row another transaction holds', () => {
  it('delays its own lapsed holds only: another SKU\'s are released meanwhile, and its own once the row is free', async () => {
    const held = await lapsedHolds('sweeper-row-held');
    const free = await lapsedHolds('sweeper-row-free');
    const unlock = await lockSkuRow(held);
    try {
      started.push(await spawnWorker(sweep));
      // The row stays locked until this audit settles: the free SKU cannot wait for it.
      const audit = await auditWhen(api, free, (body) => body.releasedUnits === holds && body.consistent === true, 15_000);
      expect(audit).toMatchObject({ reservedUnits: 0, pgStock: holds, redisStock: holds });
      expect(await orderStatuses(db, held)).toEqual({ reserved: holds });
    } finally {
      await unlock();
    }
    const audit = await auditWhen(api, held, (body) => body.releasedUnits === holds && body.consistent === true, 15_000);
    expect(audit).toMatchObject({ reservedUnits: 0, pgStock: holds, redisStock: holds });
  });
});
