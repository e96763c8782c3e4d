import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findOrder } from '../../db/queries/orders.js';
import type { Database } from '../../db/schema.js';
import { KafkaSendUnconfirmedError, type KafkaSender } from '../../services/shared/kafka-sender.js';
import { createMetrics } from '../../services/shared/metrics.js';
import { queuedUnsentKey } from '../../services/strategies/kafka-queue/keys.js';
import { createCounterRebuild } from '../../services/strategies/common/counter-rebuild.js';
import { createKafkaQueue } from '../../services/strategies/kafka-queue/index.js';
import { queuedOrderIds } from '../../services/strategies/kafka-queue/queued-purchase.js';
import type { RunningWorker } from '../../services/worker/worker.js';
import { audit, auditWhen, createSku, purchase, type RunningApi, etcdClient, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { openDb, startInProcessWorker } from '../helpers/worker.js';
import { mainRedis } from '../helpers/redis.js';

// A short bound so the test is quick; the default is 5 s. A crashed front
// door's purchase must be applied within the bound, plus one sweep interval
// (a fifth of it), plus the worker's apply; 4 s covers a loaded machine.
const sweepAfterMs = 1000;
const settleWithinMs = sweepAfterMs + 4000;

const config = testConfig({ QUEUE_SWEEP_AFTER_MS: String(sweepAfterMs) });
// The order ids the API under test gives (same config, same secret).
const queuedOrderId = queuedOrderIds(config);
const redis = mainRedis('queue-sweeper-test');

/**
 * The front door of an API process killed (kill -9) between the Redis record
 * and the Kafka send: the record is written, the send never leaves. Not a mock
 * of Kafka: there is no Kafka call at all, which is what the crash leaves.
 */
const crashedBeforeSend: KafkaSender = {
  send: () => new Promise<void>(() => undefined),
  close: async () => undefined,
  accepting: () => true,
};

/** A send that left and was never acknowledged (a broker that stalled mid-request): the outcome is unknown. */
const unconfirmed: KafkaSender = {
  send: () => Promise.reject(new KafkaSendUnconfirmedError('Kafka did not acknowledge within 1000 ms')),
  close: async () => undefined,
  accepting: () => true,
};

function frontDoorWith(kafka: KafkaSender): ReturnType<typeof createKafkaQueue> {
  const deps = { db, redis, redisNodes: [redis], kafka, etcd: etcdClient(config), config, log: pino({ level: 'silent' }), metrics: createMetrics() };
  return createKafkaQueue(deps, createCounterRebuild(deps));
}

let api: RunningApi;
let db: Kysely<Database>;
let worker: RunningWorker;
beforeAll(async () => {
  api = await startApi();
  db = openDb();
  worker = await startInProcessWorker({ QUEUE_SWEEP_AFTER_MS: String(sweepAfterMs) });
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await db.destroy();
  await redis.quit();
});

async function ordersWithin(ids: string[], ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const statuses = await Promise.all(ids.map(async (id) => (await findOrder(db, id))?.status ?? 'missing'));
    if (statuses.every((status) => status !== 'missing') || Date.now() > deadline) return statuses;
    await sleep(100);
  }
}

describe('the queue sweeper', () => {
  it('applies purchases whose front door died between the record and the send, without any retry', async () => {
    const sku = uniqueSku('swept');
    expect((await createSku(api, sku, 2)).status).toBe(201);
    const frontDoor = frontDoorWith(crashedBeforeSend);
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    // Not awaited: each stops where the crash stopped it, after the Redis record.
    for (const key of keys) void frontDoor.purchase({ orderId: queuedOrderId(key), sku, userId: `u-${key.slice(0, 6)}`, quantity: 1, idempotencyKey: key });
    // Recorded, never sent: the three are pending (a wait on that, not a sleep).
    await auditWhen(api, sku, (body) => body.pendingUnits === 3);

    const started = Date.now();
    const statuses = await ordersWithin(keys.map(queuedOrderId), settleWithinMs);
    // Two units for three buyers: two confirmed, one rejected, in whatever order they were re-sent.
    expect(statuses.sort()).toEqual(['confirmed', 'confirmed', 'rejected']);
    expect(Date.now() - started).toBeLessThan(settleWithinMs);
    const settled = (await audit(api, sku)).body;
    expect(settled).toMatchObject({ confirmedUnits: 2, pendingUnits: 0, oversoldUnits: 0 });
  });

  it('settles a purchase whose send outcome was unknown: 503 that says so, then applied without a retry; a same-key retry gets the same order (202)', async () => {
    const sku = uniqueSku('unknown-outcome');
    expect((await createSku(api, sku, 5)).status).toBe(201);
    const frontDoor = frontDoorWith(unconfirmed);
    const [alone, retried] = [randomUUID(), randomUUID()];
    for (const key of [alone, retried]) {
      const outcome = await frontDoor.purchase({ orderId: queuedOrderId(key), sku, userId: `u-${key.slice(0, 6)}`, quantity: 1, idempotencyKey: key });
      expect(outcome).toMatchObject({ kind: 'unavailable', dependency: 'kafka' });
      expect(outcome.kind === 'unavailable' ? outcome.reason : '').toContain(`recorded as order ${queuedOrderId(key)}`);
      // Kept, and listed for the sweeper: its first send may still land, and the worker applies a key once.
      expect(await redis.zscore(queuedUnsentKey(sku), queuedOrderId(key))).not.toBeNull();
    }
    const retry = await purchase(api, { sku, key: retried, userId: `u-${retried.slice(0, 6)}`, strategy: 'kafka-queue' });
    expect(retry.status).toBe(202);
    expect(retry.body.orderId).toBe(queuedOrderId(retried));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await ordersWithin([alone, retried].map(queuedOrderId), settleWithinMs)).toEqual(['confirmed', 'confirmed']);
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 2, pendingUnits: 0 });
  });

  it('does not re-send what Kafka acknowledged: the front door unlists it at once, whatever the worker is doing', async () => {
    const sku = uniqueSku('acknowledged');
    expect((await createSku(api, sku, 50)).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 20 }, () => purchase(api, { sku, strategy: 'kafka-queue' })));
    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    // The unlisting is not in the buyer's wait: give its one command a moment.
    const deadline = Date.now() + 1000;
    while ((await redis.zcard(queuedUnsentKey(sku))) > 0 && Date.now() < deadline) await sleep(20);
    expect(await redis.zcard(queuedUnsentKey(sku))).toBe(0);
  });

  it('claims a stranded purchase once per period, and unlists what is no longer queued', async () => {
    // Keys of this test only, so the running worker's sweeper never sees them.
    const tag = `{t-claim-${randomUUID().slice(0, 8)}}`;
    const [unsent, queued, skus] = [`${tag}:unsent`, `${tag}:queued`, `${tag}:skus`];
    const old = Date.now() - 60_000;
    await redis.zadd(unsent, old, 'a', old, 'gone', Date.now(), 'fresh');
    await redis.hset(queued, 'a', '{"a":1}', 'fresh', '{"fresh":1}');
    await redis.sadd(skus, 'sku');
    expect(await redis.claimUnsent(unsent, queued, skus, 'sku', 5000, 100)).toEqual(['{"a":1}']);
    // Moved forward: not claimed again within the period, however often the sweeper looks.
    expect(await redis.claimUnsent(unsent, queued, skus, 'sku', 5000, 100)).toEqual([]);
    expect(await redis.zrange(unsent, 0, -1)).toEqual(expect.arrayContaining(['a', 'fresh']));
    expect(await redis.zscore(unsent, 'gone')).toBeNull();
    expect(await redis.sismember(skus, 'sku')).toBe(1);
    // Once nothing is left unsent, the SKU leaves the sweeper's set in the same step.
    await redis.zrem(unsent, 'a', 'fresh');
    expect(await redis.claimUnsent(unsent, queued, skus, 'sku', 5000, 100)).toEqual([]);
    expect(await redis.sismember(skus, 'sku')).toBe(0);
    await redis.del(unsent, queued, skus);
  });
});
