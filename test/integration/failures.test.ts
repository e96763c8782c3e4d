import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockKey } from '../../services/shared/redis-keys.js';
import { deductionKey } from '../../services/strategies/redis-lua/keys.js';
import { type RunningApi, audit, createSku, get, purchase, startApi, startApiWithoutMainRedis, testConfig, uniqueSku } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';
import type { MainRedis } from '../../services/shared/redis.js';

let healthy: RunningApi;
let redis: MainRedis;
beforeAll(async () => {
  healthy = await startApi();
  redis = mainRedis('failures-test');
});
afterAll(async () => {
  await healthy.close();
  redis.disconnect();
});

describe('with the main Redis down', () => {
  const onCluster = testConfig().REDIS_MAIN === 'cluster';
  let broken: RunningApi;
  beforeAll(async () => {
    broken = await startApiWithoutMainRedis();
  });
  afterAll(async () => {
    await broken.close();
  });

  it('is not ready and names what is down', async () => {
    const ready = await get(broken, '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ code: 'dependency_unavailable', down: [onCluster ? 'redis-cluster' : 'redis-1'] });
  });

  it('answers redis-lua purchases 503 with Retry-After, quickly, and writes no order', async () => {
    const sku = uniqueSku('redis-down');
    await createSku(healthy, sku, 3);
    const key = randomUUID();
    const started = Date.now();
    const answer = await purchase(broken, { sku, key, userId: 'u1', strategy: 'redis-lua' });
    expect(answer.status).toBe(503);
    expect(answer.headers.get('retry-after')).toBe('1');
    expect(answer.body).toMatchObject({ code: 'dependency_unavailable', dependency: 'redis' });
    // Bounded by the Redis command timeout and one reconnect, not by a hang.
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await audit(healthy, sku)).body).toMatchObject({ confirmedOrders: 0, consistent: true });
    // A 503 is not stored: the same key succeeds once Redis is back.
    const retry = await purchase(healthy, { sku, key, userId: 'u1', strategy: 'redis-lua' });
    expect(retry.status).toBe(201);
  });
});

describe('redis-lua compensation', () => {
  it('gives the Redis deduction back when PostgreSQL refuses the order', async () => {
    // A counter PostgreSQL knows nothing of: the Lua step succeeds, the order write cannot.
    const sku = uniqueSku('orphan');
    await redis.set(stockKey(sku), 5);
    const key = randomUUID();
    const answer = await purchase(healthy, { sku, key, quantity: 2, strategy: 'redis-lua' });
    expect(answer.status).toBe(404);
    expect(await redis.get(stockKey(sku))).toBe('5');
    expect(await redis.exists(deductionKey(sku, key))).toBe(0);
    await redis.del(stockKey(sku));
  });
});
