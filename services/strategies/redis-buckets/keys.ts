import { keySlot } from '../../shared/redis-slots.js';
import { keyShards, shardKey, shardOf } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and how keys are placed on a cluster: shared/redis-keys.ts).

/**
 * Bucket b of B of a SKU. Each sits on its own shard, spaced keyShards / B
 * shards from the SKU's own, so the buckets of one SKU spread evenly over
 * the slot ranges. On the three masters redis-cli --cluster create makes,
 * 2, 4 (the default), 8 or 16 buckets of any SKU sit on min(B, 3) masters
 * (bucket-keys.test.ts); 3 buckets can meet two on one master, as shards
 * do not split at the masters' bounds.
 */
export function bucketKey(sku: string, bucket: number, buckets: number): string {
  const shard = (shardOf(sku) + Math.floor((bucket * keyShards) / buckets)) % keyShards;
  return shardKey(shard, `${sku}:bucket:${bucket}`);
}

/** The bucket a buyer tries first: its idempotency key's hash, so a retry of the buyer starts where it did. */
export function homeBucket(idempotencyKey: string, buckets: number): number {
  return keySlot(idempotencyKey) % buckets;
}
