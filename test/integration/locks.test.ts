import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { findOrder } from '../../db/queries/orders.js';
import { type FenceColumn, nextFenceToken } from '../../db/queries/fencing.js';
import type { Database } from '../../db/schema.js';
import { redisUrls } from '../../services/shared/config.js';
import { createMetrics } from '../../services/shared/metrics.js';
import { createRedis } from '../../services/shared/redis.js';
import { lockKey } from '../../services/shared/redis-keys.js';
import { redlockKey } from '../../services/strategies/redlock/keys.js';
import { defineScripts } from '../../services/strategies/common/redis-scripts.js';
import type { Lease } from '../../services/strategies/common/locks/lease.js';
import { type Fence, fencedWrite, heldLock } from '../../services/strategies/common/locks/locked-purchase.js';
import { tryAcquireRedlock } from '../../services/strategies/redlock/quorum-lock.js';
import { tryAcquireFencedLock } from '../../services/strategies/common/locks/single-node-lock.js';
import { type RunningApi, audit, countBy, createSku, get, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { type RedisServer, purchaseRequest, spawnRedisServer } from '../helpers/locks.js';

const config = testConfig();

let api: RunningApi;
let db: Kysely<Database>;
let nodes: Redis[];
beforeAll(async () => {
  api = await startApi();
  db = createDb({ connectionString: config.DATABASE_URL, poolMax: 4, acquireTimeoutMs: 5000, statementTimeoutMs: 5000, applicationName: 'locks-test' });
  nodes = redisUrls(config).map((url, index) => createRedis(url, { commandTimeoutMs: 2000, name: `locks-test-${index + 1}` }));
  for (const node of nodes) defineScripts(node);
});
afterAll(async () => {
  await api.close();
  await db.destroy();
  for (const node of nodes) node.disconnect();
});

function main(): Redis {
  const [first] = nodes;
  if (first === undefined) throw new Error('no Redis');
  return first;
}

const fenceOf = (lease: Lease, token: string, column: FenceColumn = 'fence_token'): Fence => heldLock(lease, token, column);

describe('fencing', () => {
  it('refuses the write of a holder whose lease expired after a newer holder wrote', async () => {
    const sku = uniqueSku('fence');
    await createSku(api, sku, 5);
    const metrics = createMetrics();
    const a = await tryAcquireFencedLock(main(), sku, 2000);
    if (a === undefined) throw new Error('A did not get the free lock');
    // A's lease "expires" (A paused past its TTL): the key goes, A does not know.
    await main().del(lockKey(sku));
    const b = await tryAcquireFencedLock(main(), sku, 2000);
    if (b === undefined) throw new Error('B did not get the expired lock');
    expect(BigInt(b.fenceToken)).toBeGreaterThan(BigInt(a.fenceToken));

    const requestB = purchaseRequest(sku);
    expect(await fencedWrite({ db, metrics }, 'redis-lock', requestB, fenceOf(b.lease, b.fenceToken))).toEqual({ kind: 'confirmed', orderId: requestB.orderId });
    // A still believes it holds the lock (no renewal has failed yet): only PostgreSQL can stop it.
    expect(a.lease.isHeld()).toBe(true);
    const requestA = purchaseRequest(sku);
    expect(await fencedWrite({ db, metrics }, 'redis-lock', requestA, fenceOf(a.lease, a.fenceToken))).toMatchObject({ kind: 'contended' });
    expect(await findOrder(db, requestA.orderId)).toBeUndefined();
    expect((await metrics.fencedWrites.get()).values).toEqual([expect.objectContaining({ value: 1, labels: { strategy: 'redis-lock' } })]);
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 1, pgStock: 4 });
    await Promise.all([a.lease.release(), b.lease.release()]);
  });

  it('compares tokens as numbers: a PostgreSQL sequence token refuses an older one', async () => {
    const sku = uniqueSku('fence-seq');
    await createSku(api, sku, 5);
    const metrics = createMetrics();
    const older = await nextFenceToken(db);
    const newer = await nextFenceToken(db);
    const lease = await tryAcquireRedlock(nodes, redlockKey(sku), { leaseMs: 2000, waitMs: 0, nodeTimeoutMs: 50 });
    if (lease === undefined) throw new Error('no redlock');
    const write = async (token: string) => (await fencedWrite({ db, metrics }, 'redlock', purchaseRequest(sku), fenceOf(lease, token, 'redlock_fence_token'))).kind;
    expect(await write(newer)).toBe('confirmed');
    expect(await write(older)).toBe('contended');
    // Two later tokens with different digit counts, e.g. 100 then 90: as strings
    // "90" > "100", so a comparison in JavaScript would let the older one through.
    const digits = newer.length;
    const bigger = (10n ** BigInt(digits + 1)).toString();
    const smaller = (9n * 10n ** BigInt(digits)).toString();
    expect(await write(bigger)).toBe('confirmed');
    expect(await write(smaller)).toBe('contended');
    await lease.release();
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 2 });
  });

  it('the watchdog keeps the lease alive, and a lost lease stops the write before commit', async () => {
    const sku = uniqueSku('watchdog');
    await createSku(api, sku, 5);
    const metrics = createMetrics();
    // 300 ms lease: renewed every 100 ms, so 500 ms of work outlives it several times over.
    const held = await tryAcquireFencedLock(main(), sku, 300);
    if (held === undefined) throw new Error('no lock');
    await sleep(500);
    expect(held.lease.isHeld()).toBe(true);
    expect(await main().pttl(lockKey(sku))).toBeGreaterThan(0);
    await main().del(lockKey(sku));
    await sleep(250);
    expect(held.lease.signal.aborted).toBe(true);
    const request = purchaseRequest(sku);
    expect(await fencedWrite({ db, metrics }, 'redis-lock', request, fenceOf(held.lease, held.fenceToken))).toMatchObject({ kind: 'contended' });
    expect(await findOrder(db, request.orderId)).toBeUndefined();
    await held.lease.release();
  });
});

describe('two lock strategies on one SKU (the strategy is chosen per request)', () => {
  it('each fences its own holders: redis-lock still sells after redlock wrote, and the other way round', async () => {
    // Before: one fence column for both. redlock's tokens come from a database-wide
    // sequence, redis-lock's from a per-SKU Redis counter starting at 1, so after one
    // redlock sale every redis-lock sale of that SKU was refused (503) for good.
    const sku = uniqueSku('two-locks');
    expect((await createSku(api, sku, 10)).status).toBe(201);
    const answers = [];
    for (const strategy of ['redlock', 'redis-lock', 'redlock', 'redis-lock']) answers.push((await purchase(api, { sku, strategy })).status);
    expect(answers).toEqual([201, 201, 201, 201]);
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 4, pgStock: 6, consistent: true });
  });
});

describe('release', () => {
  it('never deletes the lock of another holder (one Redis)', async () => {
    const sku = uniqueSku('release');
    const a = await tryAcquireFencedLock(main(), sku, 2000);
    await main().del(lockKey(sku));
    const b = await tryAcquireFencedLock(main(), sku, 2000);
    if (a === undefined || b === undefined) throw new Error('no lock');
    await a.lease.release();
    expect(await main().exists(lockKey(sku))).toBe(1);
    await b.lease.release();
    expect(await main().exists(lockKey(sku))).toBe(0);
  });

  it('never deletes the lock of another holder (Redlock, every node)', async () => {
    const key = redlockKey(uniqueSku('release-rl'));
    const timing = { leaseMs: 2000, waitMs: 0, nodeTimeoutMs: 50 };
    const a = await tryAcquireRedlock(nodes, key, timing);
    expect(await tryAcquireRedlock(nodes, key, timing)).toBeUndefined();
    await Promise.all(nodes.map((node) => node.del(key)));
    const b = await tryAcquireRedlock(nodes, key, timing);
    if (a === undefined || b === undefined) throw new Error('no lock');
    await a.release();
    expect(await Promise.all(nodes.map((node) => node.exists(key)))).toEqual(nodes.map(() => 1));
    await b.release();
    expect(await Promise.all(nodes.map((node) => node.exists(key)))).toEqual(nodes.map(() => 0));
  });
});

describe('redlock on three dedicated Redis servers', () => {
  // A short wait so "no majority" answers quickly; the bound asserted below follows from it.
  const lockWaitMs = 1000;
  let servers: RedisServer[] = [];
  let quorumApi: RunningApi | undefined;
  beforeAll(async () => {
    servers = await Promise.all([spawnRedisServer(), spawnRedisServer(), spawnRedisServer()]);
    quorumApi = await startApi({ REDIS_URLS: servers.map((server) => server.url).join(','), PURCHASE_WAIT_MS: String(lockWaitMs) });
  });
  afterAll(async () => {
    await quorumApi?.close();
    await Promise.all(servers.map((server) => server.stop()));
  });

  it('sells with one node down, and answers 503 without an order with two down', async () => {
    if (quorumApi === undefined) throw new Error('no API');
    const sku = uniqueSku('quorum');
    expect((await createSku(quorumApi, sku, 10)).status).toBe(201);
    expect((await purchase(quorumApi, { sku, strategy: 'redlock' })).status).toBe(201);

    await servers[2]?.stop();
    const withTwo = await Promise.all(Array.from({ length: 3 }, () => purchase(quorumApi as RunningApi, { sku, strategy: 'redlock' })));
    expect(countBy(withTwo)).toEqual({ 201: 3 });

    await servers[1]?.stop();
    const started = Date.now();
    const withOne = await Promise.all(Array.from({ length: 3 }, () => purchase(quorumApi as RunningApi, { sku, strategy: 'redlock' })));
    expect(Date.now() - started).toBeLessThan(lockWaitMs + 2000);
    for (const answer of withOne) expect(answer).toMatchObject({ status: 503, body: { code: 'contended' } });
    expect((await audit(quorumApi, sku)).body).toMatchObject({ confirmedUnits: 4, oversoldUnits: 0, pgStock: 6 });
  });
});
