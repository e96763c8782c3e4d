import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedMarkerKey, queuedPurchasesKey, queuedUnsentKey } from '../../services/strategies/kafka-queue/keys.js';
import { queuedOrderIds } from '../../services/strategies/kafka-queue/queued-purchase.js';
import type { RunningWorker } from '../../services/worker/worker.js';
import { type Answer, type RunningApi, createSku, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';

// The order ids the API under test gives (same config, same secret).
const queuedOrderId = queuedOrderIds(testConfig());
import { freePort } from '../helpers/processes.js';
import { auditWhen, settledQueue, startInProcessWorker } from '../helpers/worker.js';
import { mainRedis } from '../helpers/redis.js';
import type { MainRedis } from '../../services/shared/redis.js';

// The bound this file proves: with Kafka down, every kafka-queue purchase is
// answered 503 + Retry-After within KAFKA_SEND_TIMEOUT_MS (1 s) plus a Redis
// round trip or two; 1.5 s leaves room for a loaded 2-core machine.
const answerBoundMs = 1500;
const buyers = 50;

/** A broker that accepts connections and never answers: a paused (SIGSTOPped) Kafka, without pausing the shared one. */
async function silentBroker(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    address: `127.0.0.1:${address.port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface Timed {
  key: string;
  userId: string;
  answer: Answer;
  ms: number;
}

async function timedPurchase(api: RunningApi, sku: string): Promise<Timed> {
  const key = randomUUID();
  const userId = `u-${key.slice(0, 8)}`;
  const started = performance.now();
  const answer = await purchase(api, { sku, key, userId, strategy: 'kafka-queue' });
  return { key, userId, answer, ms: performance.now() - started };
}

let healthy: RunningApi;
let redis: MainRedis;
let worker: RunningWorker;
beforeAll(async () => {
  healthy = await startApi();
  redis = mainRedis('kafka-down-test');
  worker = await startInProcessWorker();
});
afterAll(async () => {
  await worker.stop();
  await healthy.close();
  redis.disconnect();
});

describe.each([
  ['paused (accepts, never answers)', silentBroker],
  ['stopped (nothing listens)', async () => ({ address: `127.0.0.1:${await freePort()}`, close: async () => undefined })],
])('kafka-queue with the broker %s', (_label, broker) => {
  it(`answers every one of ${buyers} concurrent purchases 503 + Retry-After within ${answerBoundMs} ms, leaves nothing unsettleable, and a same-key retry is applied`, async () => {
    const down = await broker();
    const broken = await startApi({ KAFKA_BROKERS: down.address });
    const sku = uniqueSku('kafka-down');
    expect((await createSku(healthy, sku, buyers * 2)).status).toBe(201);
    let results: Timed[] = [];
    try {
      results = await Promise.all(Array.from({ length: buyers }, () => timedPurchase(broken, sku)));
    } finally {
      await broken.close();
      await down.close();
    }

    for (const { answer, ms } of results) {
      expect(ms).toBeLessThan(answerBoundMs);
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(answer.body).toMatchObject({ code: 'dependency_unavailable', dependency: 'kafka' });
      // The body says what happened and that the same key may be retried.
      expect(String(answer.body.detail)).toMatch(/same Idempotency-Key/);
    }

    // Nothing is left queued that nothing will settle: a purchase is either not
    // recorded at all, or recorded AND listed for the sweeper (its send may have
    // reached Kafka, so the worker or the sweeper finishes it).
    for (const { key, answer } of results) {
      const orderId = queuedOrderId(key);
      const marker = await redis.exists(queuedMarkerKey(sku, key));
      const queued = await redis.hexists(queuedPurchasesKey(sku), orderId);
      expect(queued).toBe(marker);
      // The detail says which of the two it is.
      expect(String(answer.body.detail)).toMatch(marker === 1 ? new RegExp(`recorded as order ${orderId}`) : /nothing was recorded/);
      if (marker === 1) expect(await redis.zscore(queuedUnsentKey(sku), orderId)).not.toBeNull();
    }

    // Against a healthy API the same keys get the same orders (202), and the worker applies every one once.
    const retries = await Promise.all(results.map(({ key, userId }) => purchase(healthy, { sku, key, userId, strategy: 'kafka-queue' })));
    for (const [index, retry] of retries.entries()) {
      expect(retry.status).toBe(202);
      expect(retry.body.orderId).toBe(queuedOrderId(results[index]?.key ?? ''));
    }
    const settled = await auditWhen(healthy, sku, settledQueue);
    expect(settled).toMatchObject({ confirmedOrders: buyers, confirmedUnits: buyers, pendingUnits: 0, oversoldUnits: 0 });
  });
});
