import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockSkuKey } from '../../db/queries/skus.js';
import { type RunningApi, audit, countBy, createSku, purchase, startApi, timedPurchases, uniqueSku } from '../helpers/api.js';
import { openDb } from '../helpers/worker.js';

const waitMs = 800;
const slackMs = 400; // the rest of the request on a loaded 2-core machine

let api: RunningApi;
const db = openDb();
beforeAll(async () => {
  api = await startApi({ PURCHASE_WAIT_MS: String(waitMs) });
});
afterAll(async () => {
  await api.close();
  await db.destroy();
});

/** Holds the SKU's advisory lock, as a pg-advisory buyer would, for `ms`; `held` resolves once it has it. */
function holdAdvisoryLock(sku: string, ms: number): { held: Promise<void>; done: Promise<void> } {
  let signal = (): void => undefined;
  const held = new Promise<void>((resolve) => {
    signal = resolve;
  });
  const done = db.transaction().execute(async (trx) => {
    await lockSkuKey(trx, sku);
    signal();
    await sql`select pg_sleep(${ms / 1000})`.execute(trx);
  });
  return { held, done };
}

describe('pg-advisory', () => {
  it('waits for a held advisory lock no longer than the purchase deadline (503 contended), while the row stays free to others', async () => {
    const sku = uniqueSku('advisory-held');
    await createSku(api, sku, 10);
    const holding = holdAdvisoryLock(sku, 3000);
    await holding.held;
    const timed = await timedPurchases(api, sku, 6, 'pg-advisory');
    // The advisory lock is not the row's: a strategy that does not take it sells meanwhile.
    const atomic = await purchase(api, { sku, strategy: 'pg-atomic' });
    await holding.done;
    for (const { answer } of timed) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 'contended' });
    }
    const slowest = Math.max(...timed.map((t) => t.ms));
    expect(slowest, `slowest 503 after ${slowest} ms`).toBeLessThan(waitMs + slackMs);
    expect(atomic.status).toBe(201);
    // And once the lock is free, pg-advisory sells.
    expect((await purchase(api, { sku, strategy: 'pg-advisory' })).status).toBe(201);
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 2, oversoldUnits: 0, consistent: true });
  });

  it('cannot lose an update to a strategy that sells the same SKU without the lock: the version check refuses (503), nothing oversold', async () => {
    const sku = uniqueSku('advisory-mixed');
    const stock = 40;
    await createSku(api, sku, stock);
    const answers = await Promise.all(
      Array.from({ length: 160 }, (_, i) => purchase(api, { sku, userId: `u${i}`, strategy: i % 2 === 0 ? 'pg-advisory' : 'pg-atomic' })),
    );
    const counts = countBy(answers);
    expect(Object.keys(counts).every((status) => ['201', '409', '503'].includes(status)), JSON.stringify(counts)).toBe(true);
    const report = (await audit(api, sku)).body;
    expect(report).toMatchObject({ oversoldUnits: 0, consistent: true });
    expect(report.confirmedUnits).toBe(counts[201] ?? 0);
    expect(stock - Number(report.pgStock)).toBe(counts[201] ?? 0);
  });
});
