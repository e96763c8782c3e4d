import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import type { Database } from '../../db/schema.js';
import { createMetrics } from '../../services/shared/metrics.js';
import { orderRow } from '../../services/strategies/common/orders.js';
import { createPgBatched } from '../../services/strategies/pg-batched/index.js';
import type { PurchaseRequest, Strategy } from '../../services/strategies/strategy.js';
import { type Answer, type RunningApi, countBy, createSku, get, purchase, settledAudit, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';
import type { MainRedis } from '../../services/shared/redis.js';

const strategy = 'pg-batched';

let api: RunningApi;
// The test's own connection, to read the orders table the API wrote.
let db: Kysely<Database>;
beforeAll(async () => {
  api = await startApi();
  db = createDb({ connectionString: testConfig().DATABASE_URL, poolMax: 4, acquireTimeoutMs: 5000, statementTimeoutMs: 5000, applicationName: 'pg-batched-test' });
});
afterAll(async () => {
  await api.close();
  await db.destroy();
});

interface Buyer {
  key: string;
  quantity: number;
  answer: Answer;
}

/** Every buyer at once, each with its own Idempotency-Key, against one new SKU. */
async function flashSale(stock: number, quantities: number[]): Promise<{ sku: string; buyers: Buyer[] }> {
  const sku = uniqueSku(strategy);
  expect((await createSku(api, sku, stock)).status).toBe(201);
  const buyers = await Promise.all(
    quantities.map(async (quantity) => {
      const key = randomUUID();
      return { key, quantity, answer: await purchase(api, { sku, strategy, quantity, key }) };
    }),
  );
  return { sku, buyers };
}

async function ordersOf(sku: string): Promise<{ idempotency_key: string; id: string; quantity: number; created_at: Date }[]> {
  return db.selectFrom('orders').select(['idempotency_key', 'id', 'quantity', 'created_at']).where('sku', '=', sku).execute();
}

const confirmedUnits = (buyers: Buyer[]): number => buyers.filter((b) => b.answer.status === 201).reduce((sum, b) => sum + b.quantity, 0);

describe('pg-batched: 300 concurrent buyers of 1 unit on 50 units', () => {
  const stock = 50;
  let sku: string;
  let buyers: Buyer[];
  beforeAll(async () => {
    ({ sku, buyers } = await flashSale(stock, Array.from({ length: 300 }, () => 1)));
  });

  it('confirms exactly the stock, refuses the rest as sold out, and the stores agree', async () => {
    expect(countBy(buyers.map((b) => b.answer))).toEqual({ 201: stock, 409: 300 - stock });
    for (const { answer } of buyers.filter((b) => b.answer.status === 409)) expect(answer.body.code).toBe('sold_out');
    expect(await settledAudit(api, sku)).toMatchObject({
      initialStock: stock,
      confirmedUnits: stock,
      confirmedOrders: stock,
      pendingUnits: 0,
      oversoldUnits: 0,
      pgStock: 0,
      redisStock: 0,
      consistent: true,
    });
  });

  it('writes one order per Idempotency-Key, the one each buyer was told', async () => {
    const orders = await ordersOf(sku);
    const told = new Map(buyers.filter((b) => b.answer.status === 201).map((b) => [b.key, String(b.answer.body.orderId)]));
    expect(orders).toHaveLength(stock);
    expect(new Map(orders.map((order) => [order.idempotency_key, order.id]))).toEqual(told);
    const fetched = await Promise.all([...told.values()].map((id) => get(api, `/v1/orders/${id}`)));
    for (const order of fetched) expect(order.body).toMatchObject({ status: 'confirmed', sku, strategy });
  });

  it('decides several purchases in one transaction', async () => {
    // created_at is now() of the inserting transaction: orders that share a
    // value were committed together. Fewer values than orders means batches.
    const row = await db
      .selectFrom('orders')
      .select(sql<string>`count(distinct created_at)`.as('transactions'))
      .where('sku', '=', sku)
      .executeTakeFirstOrThrow();
    expect(Number(row.transactions)).toBeGreaterThan(0);
    expect(Number(row.transactions)).toBeLessThan(stock);
  });

  it('answers a retry of a confirmed purchase with its order, even sold out and batched with other retries', async () => {
    const confirmed = buyers.filter((b) => b.answer.status === 201);
    const retries = await Promise.all(confirmed.map((b) => purchase(api, { sku, strategy, quantity: 1, key: b.key, userId: String(b.answer.body.userId) })));
    retries.forEach((retry, index) => {
      expect(retry.status).toBe(201);
      expect(retry.body.orderId).toBe(confirmed[index]?.answer.body.orderId);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
    });
    expect(await ordersOf(sku)).toHaveLength(stock);
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: stock, pgStock: 0, redisStock: 0, consistent: true });
  });
});

describe('pg-batched: mixed quantities (1-3) on a small stock', () => {
  it('never oversells, and refuses a quantity only when less than it is left', async () => {
    const stock = 20;
    const { sku, buyers } = await flashSale(stock, Array.from({ length: 100 }, (_, buyer) => (buyer % 3) + 1));
    expect(countBy(buyers.map((b) => b.answer))[201]).toBeGreaterThan(0);
    expect(buyers.every((b) => b.answer.status === 201 || b.answer.status === 409)).toBe(true);
    const sold = confirmedUnits(buyers);
    expect(sold).toBeLessThanOrEqual(stock);
    const audit = await settledAudit(api, sku);
    expect(audit).toMatchObject({ confirmedUnits: sold, oversoldUnits: 0, pgStock: stock - sold, redisStock: stock - sold, consistent: true });
    expect((await ordersOf(sku)).reduce((sum, order) => sum + order.quantity, 0)).toBe(sold);
    // Stock only goes down, so each refusal saw at least what is left now:
    // a refused quantity that would still fit means a buyer was turned away wrongly.
    const left = stock - sold;
    for (const refused of buyers.filter((b) => b.answer.status === 409)) expect(refused.quantity).toBeGreaterThan(left);
  });
});

describe('pg-batched: an unknown SKU', () => {
  it('answers 404 sku_not_found to every buyer of the batch and writes nothing', async () => {
    const sku = uniqueSku('missing');
    const answers = await Promise.all(Array.from({ length: 5 }, () => purchase(api, { sku, strategy })));
    expect(countBy(answers)).toEqual({ 404: 5 });
    for (const answer of answers) {
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body).toMatchObject({ status: 404, code: 'sku_not_found' });
    }
    expect(await ordersOf(sku)).toEqual([]);
  });
});

describe('pg-batched called directly: one batch whose order is known', () => {
  // Through HTTP the order in which buyers reach a batch is not known; called
  // in one tick, the requests are one batch in exactly this order. A wide
  // window (within the config's bound) makes sure none of them misses it.
  const config = testConfig({ PG_BATCH_WINDOW_MS: '20' });
  const log = pino({ level: 'silent' });
  let redis: MainRedis;
  let batched: Strategy;
  const metrics = createMetrics();
  beforeAll(() => {
    redis = mainRedis('pg-batched-test');
    // Only what pg-batched uses: no Kafka, no etcd, no Redlock quorum.
    batched = createPgBatched({ db, redis, config, log, metrics });
  });
  afterAll(async () => {
    await redis.quit();
  });

  /** Until a statement of this test's pool waits on a lock (the flush's INSERT behind the uncommitted key). */
  async function waitForLockWait(): Promise<void> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const row = await sql<{ waiting: string }>`
        select count(*) as waiting from pg_stat_activity
        where application_name = 'pg-batched-test' and wait_event_type = 'Lock' and query ilike '%insert into orders%'`.execute(db);
      if (Number(row.rows[0]?.waiting) > 0) return;
      if (Date.now() > deadline) throw new Error('the flush never waited on the uncommitted key');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  const request = (sku: string, quantity: number, idempotencyKey: string = randomUUID()): PurchaseRequest => ({ orderId: randomUUID(), sku, userId: 'u-direct', quantity, idempotencyKey });

  it('decides greedily in arrival order, answers duplicates, and commits the batch once', async () => {
    const sku = uniqueSku('pg-batched-direct');
    expect((await createSku(api, sku, 5)).status).toBe(201);
    const earlier = request(sku, 1);
    expect(await batched.purchase(earlier)).toEqual({ kind: 'confirmed', orderId: earlier.orderId });

    // 4 left: 3 fits, the next 3 does not, the 1 after it still does; a key
    // ordered before, or confirmed earlier in the same batch, is a duplicate.
    const big = request(sku, 3);
    const batch = [big, request(sku, 3), request(sku, 1), request(sku, 1, earlier.idempotencyKey), request(sku, 1, big.idempotencyKey)];
    const outcomes = await Promise.all(batch.map((r) => batched.purchase(r)));
    expect(outcomes).toEqual([
      { kind: 'confirmed', orderId: batch[0]?.orderId },
      { kind: 'sold_out' },
      { kind: 'confirmed', orderId: batch[2]?.orderId },
      { kind: 'duplicate' },
      { kind: 'duplicate' },
    ]);
    const orders = await ordersOf(sku);
    expect(orders.map((order) => order.id).sort()).toEqual([earlier.orderId, batch[0]?.orderId, batch[2]?.orderId].sort());
    const batchTimes = new Set(orders.filter((order) => order.id !== earlier.orderId).map((order) => order.created_at.getTime()));
    expect(batchTimes.size).toBe(1);
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: 5, oversoldUnits: 0, pgStock: 0, redisStock: 0, consistent: true });
  });

  it('writes nothing when nothing in the batch fits', async () => {
    const sku = uniqueSku('pg-batched-none');
    expect((await createSku(api, sku, 2)).status).toBe(201);
    const before = await db.selectFrom('skus').select(['stock', 'version']).where('sku', '=', sku).executeTakeFirstOrThrow();
    const outcomes = await Promise.all([request(sku, 3), request(sku, 3)].map((r) => batched.purchase(r)));
    expect(outcomes).toEqual([{ kind: 'sold_out' }, { kind: 'sold_out' }]);
    expect(await db.selectFrom('skus').select(['stock', 'version']).where('sku', '=', sku).executeTakeFirstOrThrow()).toEqual(before);
    expect(await ordersOf(sku)).toEqual([]);
  });

  it('retries the flush once when another transaction commits one of its keys between the check and the insert', async () => {
    const sku = uniqueSku('pg-batched-race');
    const elsewhere = uniqueSku('pg-batched-elsewhere');
    for (const code of [sku, elsewhere]) expect((await createSku(api, code, 5)).status).toBe(201);
    const raced = request(sku, 1);
    const batch = [request(sku, 1), raced];
    let outcomes: Promise<unknown[]> | undefined;
    // Another writer holds an uncommitted order with the same key (on another
    // SKU, so it does not hold this SKU's row): the flush's check cannot see
    // it, and its INSERT waits on that index entry until the writer commits.
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('orders').values(orderRow(request(elsewhere, 1, raced.idempotencyKey), 'pg-atomic')).execute();
      outcomes = Promise.all(batch.map((r) => batched.purchase(r)));
      await waitForLockWait();
    });
    expect(await outcomes).toEqual([{ kind: 'confirmed', orderId: batch[0]?.orderId }, { kind: 'duplicate' }]);
    expect((await metrics.retries.get()).values.find((v) => v.labels.strategy === 'pg-batched')?.value).toBe(1);
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: 1, pgStock: 4, redisStock: 4, consistent: true });
  });

  it('on an unknown SKU, still tells a key that already has an order from one that does not', async () => {
    const known = uniqueSku('pg-batched-known');
    expect((await createSku(api, known, 1)).status).toBe(201);
    const earlier = request(known, 1);
    expect((await batched.purchase(earlier)).kind).toBe('confirmed');
    const missing = uniqueSku('pg-batched-missing');
    const outcomes = await Promise.all([request(missing, 1), request(missing, 1, earlier.idempotencyKey)].map((r) => batched.purchase(r)));
    expect(outcomes).toEqual([{ kind: 'unknown_sku' }, { kind: 'duplicate' }]);
  });
});
