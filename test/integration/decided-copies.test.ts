import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { insertOrder } from '../../db/queries/orders.js';
import { decidedCopiedKey, releasedCopiedKey, restockedCopiedKey, returnedUnitsKey, soldOutFlagKey, stockKey } from '../../services/shared/redis-keys.js';
import { type RunningApi, adminToken, audit, auditWhen, createSku, get, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';

// PostgreSQL-decided sales are copied to the Redis counter as totals
// (skus.decided_units), so a copy may come late, twice or not at all and the
// counter still ends right, with no quiet moment to wait for. The scripts on
// the real Redis, then the repair against a running API.
const redis = mainRedis('decided-copies-test');
const db = createDb({ connectionString: testConfig().DATABASE_URL, poolMax: 3, acquireTimeoutMs: 2000, statementTimeoutMs: 5000, applicationName: 'decided-copies-test' });
let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
  await redis.quit();
  await db.destroy();
});

const copy = (sku: string, total: number, mode: 'up' | 'exact' = 'up') => redis.copyDecided(stockKey(sku), decidedCopiedKey(sku), soldOutFlagKey(sku), total, mode);

describe('copying decided totals to the counter', () => {
  it('takes each decided unit once, whatever the order and the repeats of the copies', async () => {
    const sku = uniqueSku('decided-copies');
    await redis.set(stockKey(sku), 10);
    // Five sales (totals 1..5) copied by several processes and the repair, out of order.
    const taken = await Promise.all([3, 1, 5, 2, 5, 4, 1, 3].map((total) => copy(sku, total)));
    expect(taken.reduce((sum: number, units) => sum + (units ?? 0), 0)).toBe(5);
    expect(await redis.get(stockKey(sku))).toBe('5');
    expect(await copy(sku, 4)).toBe(0);
    expect(await redis.get(stockKey(sku))).toBe('5');
  });

  it("gives back only in 'exact' mode, and then clears the sold-out flag", async () => {
    const sku = uniqueSku('decided-exact');
    await redis.set(stockKey(sku), 10);
    expect(await copy(sku, 6)).toBe(6);
    await redis.set(soldOutFlagKey(sku), '1');
    expect(await copy(sku, 4, 'exact')).toBe(-2);
    expect(await redis.get(stockKey(sku))).toBe('6');
    expect(await redis.exists(soldOutFlagKey(sku))).toBe(0);
  });

  it('creates no counter for a SKU Redis does not know', async () => {
    const sku = uniqueSku('decided-missing');
    expect(await copy(sku, 3)).toBeNull();
    expect(await redis.exists(stockKey(sku))).toBe(0);
  });

  it('takes back a copy only while its total is still the count', async () => {
    const sku = uniqueSku('decided-uncopy');
    await redis.set(stockKey(sku), 10);
    await copy(sku, 3);
    expect(await redis.uncopyDecided(stockKey(sku), decidedCopiedKey(sku), 3, 2)).toBe(1);
    expect(await redis.get(stockKey(sku))).toBe('9');
    await copy(sku, 4);
    // A later total was copied over it: nothing of the old copy is left to take back.
    expect(await redis.uncopyDecided(stockKey(sku), decidedCopiedKey(sku), 3, 2)).toBe(0);
    expect(await redis.get(stockKey(sku))).toBe('6');
  });

  it('a rebuild from a read older than a copy keeps that copy; a copy the read had takes nothing', async () => {
    const sku = uniqueSku('decided-rebuild');
    await redis.set(stockKey(sku), 10);
    expect(await copy(sku, 5)).toBe(5);
    // The read saw 3 decided units and 7 left: the 2 decided after it were copied meanwhile.
    await redis.del(stockKey(sku));
    await redis.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku), 7, 0, 3, 0, '');
    expect(await redis.get(stockKey(sku))).toBe('5');
    // A read that saw 8 decided units, 2 left: copies up to 8 take nothing more.
    await redis.del(stockKey(sku));
    await redis.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku), 2, 0, 8, 0, '');
    expect(await copy(sku, 8)).toBe(0);
    expect(await redis.get(stockKey(sku))).toBe('2');
    // A counter that exists is left alone: only a lost one is rebuilt.
    expect(await redis.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku), 9, 0, 0, 0, '')).toBe(0);
    expect(await redis.get(stockKey(sku))).toBe('2');
  });
});

describe('a counter that missed a copy, while the SKU keeps selling', () => {
  it('is right again with the next sale: its copy carries the lost one', async () => {
    const sku = uniqueSku('decided-next-sale');
    await createSku(api, sku, 50);
    for (let sale = 0; sale < 3; sale += 1) expect((await purchase(api, { sku, strategy: 'pg-atomic' })).status).toBe(201);
    // The third sale's copy lost (its process killed after the commit): one unit too many, one decided unit short.
    await redis.multi().incrby(stockKey(sku), 1).decrby(decidedCopiedKey(sku), 1).exec();
    expect((await purchase(api, { sku, strategy: 'pg-optimistic' })).status).toBe(201);
    // No wait: the API sent the copy before it answered, on the connection its audit reads on.
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 4, redisStock: 46, consistent: true });
  });
});

describe('a count above decided_units (the queue worker copies before its commit)', () => {
  it('is not given back while that commit may still come, and is right once it does', async () => {
    const sku = uniqueSku('decided-slow-commit');
    await createSku(api, sku, 10);
    for (let sale = 0; sale < 2; sale += 1) expect((await purchase(api, { sku, strategy: 'pg-atomic' })).status).toBe(201);
    await db.transaction().execute(async (trx) => {
      // What the worker does: the batch's UPDATE (row lock held to the commit), the copy, then the commit.
      const { rows } = await sql<{ decided_units: number }>`update skus set stock = stock - 1, version = version + 1, decided_units = decided_units + 1 where sku = ${sku} returning decided_units`.execute(trx);
      await insertOrder(trx, { id: randomUUID(), sku, user_id: 'slow-batch', quantity: 1, strategy: 'kafka-queue', status: 'confirmed', idempotency_key: randomUUID() });
      expect(await copy(sku, rows[0]?.decided_units ?? 0)).toBe(1);
      // The repair's sweep sees a count (3) above the committed total (2) and waits for the row.
      await until('the repair waiting for the SKU row', () => rowLockWaiters(), (waiting) => waiting > 0, 15_000);
      expect(await redis.get(stockKey(sku))).toBe('7');
    });
    // Committed: the count is the total now, and nothing was given back.
    const report = await auditWhen(api, sku, (body) => body.consistent === true, 10_000);
    expect(report).toMatchObject({ confirmedUnits: 3, redisStock: 7 });
    const view = await get(api, `/v1/admin/skus/${sku}/reconciliation`, { authorization: `Bearer ${adminToken}` });
    expect(view.body).toMatchObject({ counterRebuilds: 0 });
  });

  it('is given back under the row lock when that commit never comes', async () => {
    const sku = uniqueSku('decided-no-commit');
    await createSku(api, sku, 10);
    for (let sale = 0; sale < 2; sale += 1) expect((await purchase(api, { sku, strategy: 'pg-atomic' })).status).toBe(201);
    // A copy of total 4 whose transaction rolled back with its killed worker: 2 units out of the counter for nothing.
    expect(await copy(sku, 4)).toBe(2);
    const report = await auditWhen(api, sku, (body) => body.consistent === true, 15_000);
    expect(report).toMatchObject({ confirmedUnits: 2, redisStock: 8 });
    // Recorded just after the counter moved: looked for until it is there.
    const view = await until('the repair recorded', () => get(api, `/v1/admin/skus/${sku}/reconciliation`, { authorization: `Bearer ${adminToken}` }), (answer) => Number(answer.body.counterRebuilds) > 0);
    expect(view.body).toMatchObject({ counterRebuilds: 1, latest: [{ action: 'counter_resynced', units: 2, detail: expect.stringContaining('gave back 2') }] });
  });
});

/** Lock requests on the skus table that are waiting (the repair's FOR SHARE behind the test's UPDATE). */
async function rowLockWaiters(): Promise<number> {
  const { rows } = await sql<{ waiting: string }>`
    select count(*) as waiting from pg_locks l join pg_stat_activity a using (pid)
    where not l.granted and a.application_name <> 'decided-copies-test'`.execute(db);
  return Number(rows[0]?.waiting ?? 0);
}
