import { randomUUID } from 'node:crypto';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterReady, createCluster } from '../../services/shared/redis.js';
import { redisClusterUrls } from '../../services/shared/config.js';
import { allShards, decidedCopiedKey, fenceKey, restockedCopiedKey, keyShards, lockKey, releasedCopiedKey, returnedUnitsKey, shardKey, shardOf, soldOutFlagKey, stockKey } from '../../services/shared/redis-keys.js';
import { keySlot } from '../../services/shared/redis-slots.js';
import { defineScripts, luaScripts } from '../../services/strategies/common/redis-scripts.js';
import { deductionKey, deductionLedgerKey, ledgerMember } from '../../services/strategies/redis-lua/keys.js';
import { queuedMarkerKey, queuedOrderKey, queuedPurchasesKey, queuedUnsentKey, queueSweepSkusKey } from '../../services/strategies/kafka-queue/keys.js';
import { redlockKey } from '../../services/strategies/redlock/keys.js';
import { leaseKey, leaseLedgerKey, leaseMember } from '../../services/strategies/common/leases/keys.js';
import { bucketKey } from '../../services/strategies/redis-buckets/keys.js';
import { testConfig, uniqueSku } from '../helpers/api.js';

// The stack's Redis Cluster (3 masters, 3 replicas), whatever REDIS_MAIN says:
// the keys are placed as the cluster places them, and every Lua script runs
// on it without CROSSSLOT. The strategies themselves run on it in
// `npm run test:cluster` (README, Tests).
const cluster: Cluster = createCluster(redisClusterUrls(testConfig({ REDIS_MAIN: 'cluster' })), { commandTimeoutMs: 2000, name: 'redis-cluster-test' });
defineScripts(cluster);
beforeAll(async () => {
  // The client refuses commands until it has the slot map (no offline queue: redis.ts).
  expect(await clusterReady(cluster, 10_000)).toBe(true);
});
afterAll(async () => {
  await cluster.quit();
});

/** The master serving a slot, as host:port. */
async function masterOf(slot: number): Promise<string> {
  const ranges = await cluster.cluster('SLOTS');
  const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
  if (master === undefined) throw new Error(`slot ${slot} is served by no master`);
  return `${master[0]}:${master[1]}`;
}

describe('keys on a Redis Cluster', () => {
  it('are placed by the same rule as the server: keySlot agrees with CLUSTER KEYSLOT', async () => {
    const sku = uniqueSku('slots');
    const keys = [stockKey(sku), deductionKey(sku, randomUUID()), queuedOrderKey(randomUUID()), 'fsi:rate-limit:address:127.0.0.1', 'plain', '{}empty-tag', 'a{b}c{d}', 'ünïcode-é'];
    for (const key of keys) expect(keySlot(key), key).toBe(Number(await cluster.cluster('KEYSLOT', key)));
  });

  it('put every key of a SKU, and its shard index keys, in one slot', () => {
    const sku = uniqueSku('one-slot');
    const shard = shardOf(sku);
    const keys = [
      stockKey(sku), releasedCopiedKey(sku), soldOutFlagKey(sku), lockKey(sku), fenceKey(sku), returnedUnitsKey(sku), redlockKey(sku),
      deductionKey(sku, 'k'), queuedMarkerKey(sku, 'k'), queuedPurchasesKey(sku), queuedUnsentKey(sku),
      decidedCopiedKey(sku), deductionLedgerKey(shard), queueSweepSkusKey(shard), leaseKey(sku, 'l'), leaseLedgerKey(shard, 'leases'),
    ];
    expect(new Set(keys.map((key) => keySlot(key))).size).toBe(1);
  });

  it(`spread ${keyShards} shards evenly over the slot space, so over every master`, async () => {
    const slots = allShards.map((shard) => keySlot(shardKey(shard, 'x')));
    slots.forEach((slot, shard) => expect(Math.floor(slot / (16_384 / keyShards))).toBe(shard));
    const masters = new Set(await Promise.all(slots.map((slot) => masterOf(slot))));
    expect(masters.size).toBe(cluster.nodes('master').length);
  });

  it('put the 4 buckets of one hot SKU on every master', async () => {
    const sku = uniqueSku('buckets');
    const masters = new Set(await Promise.all([0, 1, 2, 3].map((bucket) => masterOf(keySlot(bucketKey(sku, bucket, 4))))));
    expect(masters.size).toBe(Math.min(4, cluster.nodes('master').length));
  });
});

describe('every Lua script on a Redis Cluster', () => {
  const sku = uniqueSku('cluster-scripts');
  const shard = shardOf(sku);
  const key = randomUUID();
  const orderId = randomUUID();
  const lease = randomUUID();
  const purchase = JSON.stringify({ orderId, sku });
  // One call per script, keys built as the strategies build them, in an order that makes each do its work.
  const calls: Record<string, () => Promise<unknown>> = {
    rebuildCounter: () => cluster.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku), 10, 0, 0, 0, ''),
    copyDecided: () => cluster.copyDecided(stockKey(sku), decidedCopiedKey(sku), soldOutFlagKey(sku), 2, 'up'),
    uncopyDecided: () => cluster.uncopyDecided(stockKey(sku), decidedCopiedKey(sku), 2, 1),
    // A release (no names), then a restock (the name 11, above the initial 10).
    copyAdded: async () => [
      await cluster.copyAdded(stockKey(sku), releasedCopiedKey(sku), soldOutFlagKey(sku), returnedUnitsKey(sku), 1, ''),
      await cluster.copyAdded(stockKey(sku), restockedCopiedKey(sku), soldOutFlagKey(sku), returnedUnitsKey(sku), 1, 10),
    ],
    deductStock: () => cluster.deductStock(stockKey(sku), deductionKey(sku, key), returnedUnitsKey(sku), deductionLedgerKey(shard), 2, orderId, 60_000, ledgerMember(sku, key)),
    restoreStock: () => cluster.restoreStock(stockKey(sku), deductionKey(sku, key), returnedUnitsKey(sku), deductionLedgerKey(shard), orderId, ledgerMember(sku, key), '1'),
    takeLease: () => cluster.takeLease(stockKey(sku), returnedUnitsKey(sku), leaseKey(sku, lease), leaseLedgerKey(shard, 'leases'), 3, leaseMember(sku, lease), 60_000, 1, 1, 1),
    returnLease: () => cluster.returnLease(stockKey(sku), returnedUnitsKey(sku), leaseKey(sku, lease), leaseLedgerKey(shard, 'leases'), leaseMember(sku, lease), '9-11'),
    // A bucket on its own slot, filled with a lease's units: the buyer takes the first, then the fill is detached.
    takeFromBucket: () => cluster.takeFromBucket(bucketKey(sku, 1, 4), 1, lease, '9-11'),
    detachBucket: () => cluster.detachBucket(bucketKey(sku, 1, 4), lease),
    acquireFencedLock: () => cluster.acquireFencedLock(lockKey(sku), fenceKey(sku), 'owner', 10_000),
    extendLock: () => cluster.extendLock(lockKey(sku), 'owner', 10_000),
    releaseLock: () => cluster.releaseLock(lockKey(sku), 'owner'),
    queuePurchase: () => cluster.queuePurchase(soldOutFlagKey(sku), stockKey(sku), queuedMarkerKey(sku, key), queuedPurchasesKey(sku), queuedUnsentKey(sku), queueSweepSkusKey(shard), orderId, purchase, 60_000, sku),
    claimUnsent: () => cluster.claimUnsent(queuedUnsentKey(sku), queuedPurchasesKey(sku), queueSweepSkusKey(shard), sku, 0, 10),
    unqueuePurchase: () => cluster.unqueuePurchase(queuedMarkerKey(sku, key), queuedPurchasesKey(sku), queuedUnsentKey(sku), orderId, purchase, '0'),
  };

  it('has a call here for each script in services/', () => {
    expect(Object.keys(calls).sort()).toEqual(luaScripts().map((script) => script.command).sort());
  });

  it('runs each one without CROSSSLOT, doing its work', async () => {
    const replies: Record<string, unknown> = {};
    for (const [command, call] of Object.entries(calls)) replies[command] = await call();
    expect(replies).toEqual({
      rebuildCounter: 1,
      copyDecided: 2,
      uncopyDecided: 1,
      copyAdded: [1, 1],
      // The restocked unit (11, above the initial 10) first, then the highest never taken.
      deductStock: [1, `${orderId} 11-11,10-10`],
      restoreStock: 2,
      // The two given back (10, 11) first, then the highest never taken (9); all three back unsold.
      takeLease: [1, '10-10,11-11,9-9', 0],
      returnLease: 3,
      takeFromBucket: [1, lease, '9-9', ''],
      detachBucket: 1,
      acquireFencedLock: 1,
      extendLock: 1,
      releaseLock: 1,
      queuePurchase: [1, expect.any(String)],
      claimUnsent: [purchase],
      // The sweeper's claim moved its score: it stays queued (unqueue-purchase-3).
      unqueuePurchase: 2,
    });
    // 10, -2 copied, +1 taken back, +1 released, +1 restocked, -2 taken, +2 given back, -3 leased, +3 returned.
    expect(await cluster.get(stockKey(sku))).toBe('11');
    expect(await cluster.zrange(returnedUnitsKey(sku), 0, -1)).toEqual(['9', '10', '11']);
  });
});
