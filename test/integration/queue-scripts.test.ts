import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { shardOf, soldOutFlagKey, stockKey } from '../../services/shared/redis-keys.js';
import { queuedMarkerKey, queuedPurchasesKey, queuedUnsentKey, queueSweepSkusKey } from '../../services/strategies/kafka-queue/keys.js';
import { testConfig, uniqueSku } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';

// kafka-queue's front-door scripts on the real Redis: a purchase whose send
// Kafka refused may be taken back only while nobody else relies on its record.
// Another API process answered 202 with it (a duplicate of its key), or the
// queue sweeper claimed it to send it: then it stays, and is sent.
const redis = mainRedis('queue-scripts-test');
afterAll(async () => {
  await redis.quit();
});

function keysOf(sku: string, key: string, orderId: string) {
  return { marker: queuedMarkerKey(sku, key), queued: queuedPurchasesKey(sku), unsent: queuedUnsentKey(sku), sweep: queueSweepSkusKey(shardOf(sku)) };
}

async function record(sku: string, key: string, orderId: string, json: string): Promise<[number, string]> {
  const k = keysOf(sku, key, orderId);
  const [kind, value] = (await redis.queuePurchase(soldOutFlagKey(sku), stockKey(sku), k.marker, k.queued, k.unsent, k.sweep, orderId, json, 60_000, sku)) as [number, string];
  return [kind, String(value)];
}

function unqueue(sku: string, key: string, orderId: string, json: string, score: string): Promise<number> {
  const k = keysOf(sku, key, orderId);
  return redis.unqueuePurchase(k.marker, k.queued, k.unsent, orderId, json, score);
}

async function fresh(): Promise<{ sku: string; key: string; orderId: string; json: string }> {
  const sku = uniqueSku('queue-scripts');
  await redis.set(stockKey(sku), 10);
  const orderId = randomUUID();
  return { sku, key: randomUUID(), orderId, json: JSON.stringify({ orderId, sku }) };
}

describe('taking back a purchase Kafka refused', () => {
  it('removes it when nobody else relied on it', async () => {
    const p = await fresh();
    const [kind, score] = await record(p.sku, p.key, p.orderId, p.json);
    expect(kind).toBe(1);
    expect(await unqueue(p.sku, p.key, p.orderId, p.json, score)).toBe(1);
    expect(await redis.exists(queuedMarkerKey(p.sku, p.key))).toBe(0);
    expect(await redis.zscore(queuedUnsentKey(p.sku), p.orderId)).toBeNull();
  });

  it('keeps it once a duplicate of its key was answered with it (another API process)', async () => {
    const p = await fresh();
    const [, score] = await record(p.sku, p.key, p.orderId, p.json);
    const [kind, earlier] = await record(p.sku, p.key, p.orderId, p.json);
    expect([kind, earlier]).toEqual([2, p.json]);
    expect(await unqueue(p.sku, p.key, p.orderId, p.json, score)).toBe(2);
    // Still recorded and still unsent: the sweeper sends it.
    expect(await redis.get(queuedMarkerKey(p.sku, p.key))).toBe(p.json);
    expect(await redis.zscore(queuedUnsentKey(p.sku), p.orderId)).not.toBeNull();
  });

  it('keeps it once the sweeper has claimed it to send it', async () => {
    const p = await fresh();
    const [, score] = await record(p.sku, p.key, p.orderId, p.json);
    // Claimed as due: its score moves to Redis' now, past the recorded one (the bound is at least 100 ms in the config; 0 here, so wait out one ms).
    const recordedAt = Number(score);
    let claimed: string[] = [];
    while (claimed.length === 0) {
      const [seconds, micros] = await redis.time();
      if (Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) > recordedAt) claimed = await redis.claimUnsent(queuedUnsentKey(p.sku), queuedPurchasesKey(p.sku), queueSweepSkusKey(shardOf(p.sku)), p.sku, 0, 10);
    }
    expect(claimed).toEqual([p.json]);
    expect(await unqueue(p.sku, p.key, p.orderId, p.json, score)).toBe(2);
    expect(await redis.get(queuedMarkerKey(p.sku, p.key))).toBe(p.json);
  });
});
