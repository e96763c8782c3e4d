import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, audit, createSku, purchase, startApi, uniqueSku } from '../helpers/api.js';
import { openDb } from '../helpers/worker.js';
import { until } from '../helpers/wait.js';

// The 503 `contended` path of pg-optimistic, forced rather than hoped for:
// another writer bumps the SKU's version while the buyer's UPDATE waits.
let api: RunningApi;
const db = openDb();
beforeAll(async () => {
  api = await startApi({ OPTIMISTIC_MAX_ATTEMPTS: '1' });
});
afterAll(async () => {
  await api.close();
  await db.destroy();
});

describe('pg-optimistic out of attempts', () => {
  it('answers 503 contended with Retry-After and sells nothing', async () => {
    const sku = uniqueSku('optimistic');
    await createSku(api, sku, 5);
    let release = (): void => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding = (): void => undefined;
    const held = new Promise<void>((resolve) => (holding = resolve));
    // Another writer: bumps the version and keeps the row locked until released.
    const writer = db.transaction().execute(async (trx) => {
      await sql`update skus set version = version + 1 where sku = ${sku}`.execute(trx);
      holding();
      await released;
    });
    await held;
    const answering = purchase(api, { sku, strategy: 'pg-optimistic' });
    // The buyer read the old version and its conditional UPDATE now waits for the row.
    await until(
      'the buyer waiting on the row lock',
      async () => {
        const { rows } = await sql<{ n: string }>`
          select count(*) as n from pg_stat_activity
          where application_name = 'flash-sale-api' and wait_event_type = 'Lock' and query ilike '%update "skus"%'`.execute(db);
        return Number(rows[0]?.n ?? 0);
      },
      (waiting) => waiting > 0,
      5_000,
      20,
    );
    release();
    await writer;
    const answer = await answering;
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ code: 'contended' });
    expect(String(answer.body.detail)).toMatch(/version conflict on every one of 1 attempts/);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 0, pgStock: 5, consistent: true });
  });
});
