import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLease } from '../../db/queries/leases.js';
import type { MainRedis } from '../../services/shared/redis.js';
import { returnedUnitsKey, shardOf, stockKey } from '../../services/shared/redis-keys.js';
import { leaseKey, leaseLedgerKey, leaseMember } from '../../services/strategies/common/leases/keys.js';
import { bucketKey, homeBucket } from '../../services/strategies/redis-buckets/keys.js';
import { type Answer, type RunningApi, audit, countBy, createSku, purchase, settledAudit, startApi, uniqueSku } from '../helpers/api.js';
import { type ChildService, spawnApi } from '../helpers/processes.js';
import { mainRedis } from '../helpers/redis.js';
import { until } from '../helpers/wait.js';
import { openDb } from '../helpers/worker.js';

// redis-buckets on the real stack: a buyer whose bucket and the counter are
// empty takes units from another bucket; buckets too small for a buyer give
// their units back so they can be sold together; and a process killed -9
// holds nothing (the buckets are in Redis), so another sells on at once.
const strategy = 'redis-buckets';
// Its fills' ledger (services/strategies/redis-buckets/index.ts).
const ledger = 'bucket-leases';
// Two buckets, fills of half the counter down to 1 unit, and fills that never lapse during a test: only
// buyers move units between buckets.
const buckets = 2;
const env = { BUCKET_COUNT: String(buckets), BUCKET_LEAST_FILL: '1', BUCKET_LIFETIME_MS: '60000', SOLD_OUT_MEMORY_TTL_MS: '0' };

let api: RunningApi;
let redis: MainRedis;
const db = openDb();
beforeAll(async () => {
  api = await startApi(env);
  redis = mainRedis('redis-buckets-test');
}, 60_000);
afterAll(async () => {
  await api.close();
  redis.disconnect();
  await db.destroy();
});

/** An idempotency key whose buyer starts at `bucket`. */
function keyHomedAt(bucket: number): string {
  for (;;) {
    const key = randomUUID();
    if (homeBucket(key, buckets) === bucket) return key;
  }
}

async function buyAt(target: { url: string }, sku: string, bucket: number, quantity = 1): Promise<Answer & { key: string }> {
  const key = keyHomedAt(bucket);
  return { ...(await purchase(target, { sku, strategy, key, userId: `u-${key}`, quantity })), key };
}

/** The units of the order of each key, as PostgreSQL holds them. */
async function unitsByKey(sku: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('orders').select(['idempotency_key', 'units']).where('sku', '=', sku).where('status', '=', 'confirmed').execute();
  return new Map(rows.map((row) => [row.idempotency_key, String(row.units)]));
}

describe('bucketed stock', () => {
  it('a buyer whose bucket and the counter are empty takes units from the other bucket; the sell-out is 409 once both are empty', async () => {
    const sku = uniqueSku('probe');
    expect((await createSku(api, sku, 10)).status).toBe(201);
    // The first buyer fills bucket 0 with half the counter (10 / 2 buckets): units 6-10, unit 6 is its own.
    const first = await buyAt(api, sku, 0);
    expect(first.status).toBe(201);
    expect((await unitsByKey(sku)).get(first.key)).toBe('{[6,7)}');
    // Every later buyer starts at bucket 1: the counter's 5 units go through it, then bucket 0's 4.
    const later: Answer[] = [];
    for (let i = 0; i < 9; i += 1) later.push(await buyAt(api, sku, 1));
    expect(countBy(later)).toEqual({ 201: 9 });
    const sold = [...(await unitsByKey(sku)).values()].sort();
    expect(sold).toHaveLength(10);
    expect(new Set(sold).size).toBe(10);
    // Units 7-10 were only ever in bucket 0: buyers of bucket 1 found them by probing.
    expect(sold).toEqual(expect.arrayContaining(['{[7,8)}', '{[8,9)}', '{[9,10)}', '{[10,11)}']));
    expect((await buyAt(api, sku, 1)).status).toBe(409);
    const settled = await settledAudit(api, sku);
    expect(settled).toMatchObject({ confirmedUnits: 10, oversoldUnits: 0, redisStock: 0, pgStock: 0, consistent: true });
  });

  it('two buckets of 1 unit each and a buyer of 2: both give their unit back to the counter, and the buyer gets the two', async () => {
    const sku = uniqueSku('rebalance');
    expect((await createSku(api, sku, 2)).status).toBe(201);
    // One fill of one unit per bucket, as the script of a buyer who took none would leave it; the counter is then 0.
    for (let bucket = 0; bucket < buckets; bucket += 1) {
      const id = randomUUID();
      const [kind, units] = await redis.takeLease(stockKey(sku), returnedUnitsKey(sku), leaseKey(sku, id), leaseLedgerKey(shardOf(sku), ledger), 1, leaseMember(sku, id), 60_000, 1, 1, 1);
      expect(kind).toBe(1);
      const [lo, hi] = String(units).split('-').map(Number);
      expect(await openLease(db, { id, sku, units: `{[${lo},${Number(hi) + 1})}`, ledger })).toBe(true);
      expect(await redis.takeFromBucket(bucketKey(sku, bucket, buckets), 0, id, String(units))).toEqual([1, id, '', '']);
    }
    expect(await redis.get(stockKey(sku))).toBe('0');
    const pair = await buyAt(api, sku, 0, 2);
    expect(pair.status).toBe(201);
    expect((await unitsByKey(sku)).get(pair.key)).toBe('{[1,3)}');
    expect((await buyAt(api, sku, 1)).status).toBe(409);
    // Leased: 1 + 1 by hand, then 2 for the buyer; the two by hand went back when their buckets let go of them.
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: 2, leasedUnits: 4, returnedUnits: 2, consistent: true });
  });

  it('a refill replaces what its bucket held and hands that fill back to be ended', async () => {
    const sku = uniqueSku('refill');
    const key = bucketKey(sku, 0, buckets);
    const [first, second] = [randomUUID(), randomUUID()];
    expect(await redis.takeFromBucket(key, 1, first, '1-5')).toEqual([1, first, '1-1', '']);
    expect(await redis.takeFromBucket(key, 2, second, '6-9')).toEqual([1, second, '6-7', first]);
    expect(await redis.get(key)).toBe(`${second}|8-9`);
    await redis.del(key);
  });

  it('answers 404 to every buyer of an unknown SKU at once, those waiting for another buyer\'s fill too', async () => {
    const sku = uniqueSku('unknown');
    const answers = await Promise.all(Array.from({ length: 20 }, () => buyAt(api, sku, 0)));
    expect(countBy(answers)).toEqual({ 404: 20 });
  });

  describe('an API process killed -9 mid-sale', () => {
    let seller: ChildService | undefined;
    afterAll(() => {
      if (seller !== undefined && seller.process.exitCode === null) seller.process.kill('SIGKILL');
    });

    it('holds no units: another process sells every unit left at once, none twice', async () => {
      seller = await spawnApi(env);
      const sku = uniqueSku('killed');
      const stock = 40;
      expect((await createSku(api, sku, stock)).status).toBe(201);
      const before = await Promise.all(Array.from({ length: 10 }, (_, i) => buyAt(seller ?? api, sku, i % buckets)));
      expect(countBy(before)).toEqual({ 201: 10 });
      // Its fills sit in the buckets, in Redis, with 60 s to live: nothing waits for them to lapse.
      expect(Number((await audit(api, sku)).body.liveLeasedUnits)).toBeGreaterThan(0);
      seller.process.kill('SIGKILL');
      // A 503 (a store or a fill being ended slower than the buyer's deadline, on a loaded machine) is retried
      // with the same key, as a client would: every buyer gets a final answer.
      const after = await Promise.all(
        Array.from({ length: stock }, (_, i) => {
          const key = keyHomedAt(i % buckets);
          return until('a final answer', () => purchase(api, { sku, strategy, key, userId: `u-${key}` }), (answer) => answer.status !== 503, 10_000);
        }),
      );
      expect(countBy(after)).toEqual({ 201: stock - 10, 409: 10 });
      const units = [...(await unitsByKey(sku)).values()];
      expect(new Set(units).size).toBe(stock);
      expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: stock, oversoldUnits: 0, redisStock: 0, consistent: true });
    });
  });
});
