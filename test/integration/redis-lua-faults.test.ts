import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { returnedUnitsKey, stockKey } from '../../services/shared/redis-keys.js';
import { deductionKey } from '../../services/strategies/redis-lua/keys.js';
import { type Answer, type RunningApi, audit, countBy, createSku, get, purchase, startApi, testConfig, uniqueSku, adminToken } from '../helpers/api.js';
import { freePort } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';
import { openDb } from '../helpers/worker.js';
import { type StallableProxy, apiBehindPostgresProxy } from '../helpers/tcp-faults.js';
import { mainRedis } from '../helpers/redis.js';
import type { MainRedis } from '../../services/shared/redis.js';

// Short enough for a test; in production the grace outlives any request (see config.ts).
const graceMs = 400;

let api: RunningApi;
let redis: MainRedis;
beforeAll(async () => {
  api = await startApi({ REDIS_DEDUCTION_GRACE_MS: String(graceMs) });
  redis = mainRedis('redis-lua-faults-test');
});
afterAll(async () => {
  await api.close();
  redis.disconnect();
});

async function buy(sku: string, count: number, target: { url: string } = api): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => purchase(target, { sku, userId: `u${i}`, strategy: 'redis-lua' })));
}

describe('redis-lua when Redis loses writes', () => {
  it('a counter set back (an asynchronous failover lost its last writes) cannot oversell: PostgreSQL refuses units already sold', async () => {
    const sku = uniqueSku('rollback');
    await createSku(api, sku, 10);
    expect(countBy(await buy(sku, 10))).toEqual({ 201: 10 });
    // What a replica promoted 0.8 s late holds: the counter from before the last 6 sales.
    await redis.set(stockKey(sku), 6);

    const after = await buy(sku, 12);
    expect(after.filter((answer) => answer.status === 201)).toHaveLength(0);
    for (const answer of after) expect([409, 503]).toContain(answer.status);
    const report = (await audit(api, sku)).body;
    expect(report).toMatchObject({ confirmedUnits: 10, oversoldUnits: 0 });
  });

  it('a lost counter is rebuilt from PostgreSQL, refusing (503, not 404) until it is', async () => {
    const sku = uniqueSku('lost-counter');
    await createSku(api, sku, 5);
    expect(countBy(await buy(sku, 2))).toEqual({ 201: 2 });
    await redis.del(stockKey(sku));

    const first = await purchase(api, { sku, strategy: 'redis-lua' });
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(first.body).toMatchObject({ code: 'dependency_unavailable', dependency: 'redis' });
    await until('rebuilt counter', () => redis.get(stockKey(sku)), (value) => value === '3');
    expect(countBy(await buy(sku, 5))).toEqual({ 201: 3, 409: 2 });
    const report = await until('audit', async () => (await audit(api, sku)).body, (body) => body.consistent === true);
    expect(report).toMatchObject({ confirmedUnits: 5, oversoldUnits: 0, redisStock: 0 });
  });

  it('a lost counter of a restocked SKU is rebuilt with the names no order holds, so every unit left sells', async () => {
    const sku = uniqueSku('lost-names');
    await createSku(api, sku, 3);
    // Names 3, 2, 1 sold; the restock names 4 and 5, taken first; one of them sold: 5 is the one unit left.
    expect(countBy(await buy(sku, 3))).toEqual({ 201: 3 });
    const restocked = await fetch(`${api.url}/v1/admin/skus/${sku}/restock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ units: 2 }),
    });
    expect(restocked.status).toBe(200);
    expect((await purchase(api, { sku, strategy: 'redis-lua', userId: 'r1' })).status).toBe(201);
    // Redis loses the SKU's counter and the names given back: numbered from the top, the one unit left would be named 1, sold already.
    await redis.del(stockKey(sku), returnedUnitsKey(sku));
    await until('rebuilt counter', async () => (await purchase(api, { sku, strategy: 'redis-lua', userId: 'r2' })).status, (status) => status !== 503);
    const report = await until('audit', async () => (await audit(api, sku)).body, (body) => body.consistent === true);
    expect(report).toMatchObject({ confirmedUnits: 5, oversoldUnits: 0, redisStock: 0, restockedUnits: 2 });
  });

  it('kafka-queue also answers 503 (not 404) for a SKU whose counter was lost, and queues again once it is rebuilt', async () => {
    const sku = uniqueSku('lost-counter-queue');
    await createSku(api, sku, 5);
    await redis.del(stockKey(sku));
    const first = await purchase(api, { sku, strategy: 'kafka-queue' });
    expect(first.status).toBe(503);
    expect(first.body).toMatchObject({ code: 'dependency_unavailable', dependency: 'redis' });
    await until('rebuilt counter', () => redis.get(stockKey(sku)), (value) => value === '5');
    expect((await purchase(api, { sku, strategy: 'kafka-queue' })).status).toBe(202);
  });

  it('a retry of a sale whose Redis marker was lost still gets its order back once the SKU sold out', async () => {
    const sku = uniqueSku('lost-marker');
    await createSku(api, sku, 1);
    const key = `lost-marker-${sku}`;
    const first = await purchase(api, { sku, key, userId: 'u1', strategy: 'redis-lua' });
    expect(first.status).toBe(201);
    // What FLUSHALL, a failover or the marker's 24 h lifetime leaves: the order, and no marker.
    await redis.del(deductionKey(sku, key));
    const retry = await purchase(api, { sku, key, userId: 'u1', strategy: 'redis-lua' });
    expect(retry.status).toBe(201);
    expect(retry.body.orderId).toBe(first.body.orderId);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('an unknown SKU is still 404, and no counter is made up for it', async () => {
    const sku = uniqueSku('never-created');
    const answer = await purchase(api, { sku, strategy: 'redis-lua' });
    expect(answer.status).toBe(404);
    expect(await redis.exists(stockKey(sku))).toBe(0);
  });
});

describe('redis-lua stock taken in Redis without an order', () => {
  let noPostgres: RunningApi;
  beforeAll(async () => {
    // A port nothing listens on: the Lua step runs, the order cannot be written, the outcome looks unknown.
    noPostgres = await startApi({ DATABASE_URL: `postgres://nobody:nothing@127.0.0.1:${await freePort()}/none` });
  });
  afterAll(async () => {
    await noPostgres.close();
  });

  it('is given back after the grace period, and the reconciliation view says so', async () => {
    const sku = uniqueSku('stranded');
    await createSku(api, sku, 5);
    const answers = await buy(sku, 2, noPostgres);
    expect(countBy(answers)).toEqual({ 503: 2 });
    // The deductions ran; their orders never came.
    expect(await redis.get(stockKey(sku))).toBe('3');

    await until('counter given back', () => redis.get(stockKey(sku)), (value) => value === '5');
    const report = await until('audit', async () => (await audit(api, sku)).body, (body) => body.consistent === true);
    expect(report).toMatchObject({ confirmedUnits: 0, redisStock: 5 });
    const view = await get(api, `/v1/admin/skus/${sku}/reconciliation`, { authorization: `Bearer ${adminToken}` });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ sku, givenBackUnits: 2, givenBackDeductions: 2 });
    // And the units sell again.
    expect(countBy(await buy(sku, 6))).toEqual({ 201: 5, 409: 1 });
  });
});

describe('redis-lua when the path to PostgreSQL stalls', () => {
  let proxy: StallableProxy;
  let cutOff: RunningApi;
  let db: Kysely<Database>;
  beforeAll(async () => {
    ({ api: cutOff, proxy } = await apiBehindPostgresProxy({ REDIS_DEDUCTION_GRACE_MS: String(graceMs) }));
    db = openDb();
  });
  afterAll(async () => {
    await cutOff.close();
    await db.destroy();
  });

  async function postgresNow(): Promise<Date> {
    const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db);
    return rows[0]?.now ?? new Date(0);
  }

  /**
   * The connections that passed bytes on since the proxy resumed, and how
   * many of their backends are not done yet: still connected, and not idle
   * since `since`. Some passed and none left means PostgreSQL has run what
   * the stall held (a backend the API gave up on reads the held statement,
   * then the Terminate behind it, and exits).
   */
  async function heldWork(since: Date): Promise<{ passed: number; unfinished: number }> {
    const ports = proxy.passedSinceResume();
    if (ports.length === 0) return { passed: 0, unfinished: 0 };
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from pg_stat_activity
      where client_addr = '127.0.0.1' and client_port = any(${ports}::int[])
        and not (state = 'idle' and state_change >= ${since})`.execute(db);
    return { passed: ports.length, unfinished: Number(rows[0]?.n ?? 0) };
  }

  it('(the order written, its answer never back) answers 503 "outcome unknown", keeps the units taken, and a retry with the same key gets that order', async () => {
    const sku = uniqueSku('lua-unknown');
    await createSku(api, sku, 5);
    // Warm the pool, so the cut catches open connections.
    expect((await purchase(cutOff, { sku, strategy: 'redis-lua' })).status).toBe(201);

    proxy.stallReplies();
    const key = randomUUID();
    const first = await purchase(cutOff, { sku, key, userId: 'unknown-1', strategy: 'redis-lua' });
    expect(first.status).toBe(503);
    expect(String(first.body.detail)).toContain('outcome unknown');
    // The order is in PostgreSQL (read through the API that never lost it).
    const written = await until('order written', async () => (await audit(api, sku)).body, (body) => body.confirmedOrders === 2);
    expect(written).toMatchObject({ confirmedUnits: 2 });

    proxy.resume();
    // Past the grace period: the reconciler must not give back units whose order exists.
    await sleep(graceMs * 3);
    const retry = await until('retry answered', () => purchase(cutOff, { sku, key, userId: 'unknown-1', strategy: 'redis-lua' }), (answer) => answer.status !== 503);
    expect(retry.status).toBe(201);
    const report = await until('audit', async () => (await audit(api, sku)).body, (body) => body.consistent === true);
    expect(report).toMatchObject({ confirmedOrders: 2, confirmedUnits: 2, redisStock: 3, expectedStock: 3, oversoldUnits: 0 });
  });

  it('(the INSERT held past the grace period) writes nothing when it arrives: the reconciler closed the order id before giving the units back, and the key stays free for a retry', async () => {
    const sku = uniqueSku('lua-late-insert');
    await createSku(api, sku, 5);
    // Warm the pool, so the INSERT below goes out on an open connection and is held on its way.
    expect((await purchase(cutOff, { sku, strategy: 'redis-lua' })).status).toBe(201);

    // What a paused PostgreSQL does to the INSERT: it is sent, nothing reads it, its client gives up.
    proxy.stall();
    const key = randomUUID();
    const first = await purchase(cutOff, { sku, key, userId: 'late-1', strategy: 'redis-lua' });
    expect(first.status).toBe(503);
    // The API that still reaches PostgreSQL finds no order past the grace period and gives the unit back.
    await until('unit given back', () => redis.get(stockKey(sku)), (value) => value === '4');

    // PostgreSQL "resumes": the held INSERT arrives now, after the give-back.
    const resumedAt = await postgresNow();
    proxy.resume();
    await until('PostgreSQL done with what the stall held', () => heldWork(resumedAt), ({ passed, unfinished }) => passed > 0 && unfinished === 0);
    const report = (await audit(api, sku)).body;
    expect(report).toMatchObject({ confirmedOrders: 1, confirmedUnits: 1, redisStock: 4, oversoldUnits: 0, consistent: true });

    // The buyer's key was not used up by the closed id: a retry is decided afresh and sells.
    const retry = await until('retry answered', () => purchase(cutOff, { sku, key, userId: 'late-1', strategy: 'redis-lua' }), (answer) => answer.status !== 503);
    expect(retry.status).toBe(201);
    const after = await until('audit', async () => (await audit(api, sku)).body, (body) => body.consistent === true);
    expect(after).toMatchObject({ confirmedOrders: 2, redisStock: 3, oversoldUnits: 0 });
  });
});
