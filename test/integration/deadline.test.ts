import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, createSku, purchase, startApi, timedPurchases, uniqueSku } from '../helpers/api.js';
import { openDb } from '../helpers/worker.js';

// A buyer meets several waits in a row (a pooled connection, then a row lock or a
// lock); each had its own budget, and the budgets added up: with 800 ms each, a
// buyer queued for a connection behind row-lock waiters answered 503 after ~1.6 s.
// One deadline per purchase (PURCHASE_WAIT_MS) now ends them all.
const waitMs = 800;
const slackMs = 400; // the rest of the request on a loaded 2-core machine

let api: RunningApi;
const db = openDb();
beforeAll(async () => {
  // 2 connections, so most buyers first queue for one, then wait on the row lock.
  api = await startApi({ PG_POOL_MAX: '2', PURCHASE_WAIT_MS: String(waitMs), PG_ACQUIRE_TIMEOUT_MS: String(waitMs) });
});
afterAll(async () => {
  await api.close();
  await db.destroy();
});

describe('a purchase whose waits follow each other', () => {
  it('answers within one PURCHASE_WAIT_MS, not the sum of its waits', async () => {
    const sku = uniqueSku('deadline');
    expect((await createSku(api, sku, 10)).status).toBe(201);
    // Someone else holds the SKU's row lock for 3 s: pg-pessimistic buyers can only wait.
    let signal = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      signal = resolve;
    });
    const holding = db.transaction().execute(async (trx) => {
      await sql`select stock from skus where sku = ${sku} for update`.execute(trx);
      signal();
      await sql`select pg_sleep(3)`.execute(trx);
    });
    await held;
    const timed = await timedPurchases(api, sku, 8, 'pg-pessimistic');
    await holding;
    for (const { answer } of timed) expect(answer.status).toBe(503);
    const slowest = Math.max(...timed.map((t) => t.ms));
    expect(slowest, `slowest 503 after ${slowest} ms`).toBeLessThan(waitMs + slackMs);
  });
});
