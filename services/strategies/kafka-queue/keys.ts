import { shardKey, shardOf, skuKey } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and how keys are placed on a cluster: shared/redis-keys.ts).

/** The purchase queued under an Idempotency-Key, so a retry names the same order. */
export function queuedMarkerKey(sku: string, idempotencyKey: string): string {
  return skuKey(sku, `queued-key:${idempotencyKey}`);
}

/** The SKU's purchases sent to Kafka and not yet applied (order id -> purchase). */
export function queuedPurchasesKey(sku: string): string {
  return skuKey(sku, 'queued');
}

/**
 * A queued purchase by order id, for GET /v1/orders/:id before the worker has
 * written the order. The route knows no SKU, so the key is placed by the
 * order id: on a cluster it is in another slot than the SKU's keys, and is
 * written beside the queue script, not by it.
 */
export function queuedOrderKey(orderId: string): string {
  return shardKey(shardOf(orderId), `queued-order:${orderId}`);
}

/**
 * The SKU's purchases recorded but not yet acknowledged by Kafka to the front
 * door (sorted set: order id, score = ms, Redis' clock). The queue sweeper
 * sends the ones older than QUEUE_SWEEP_AFTER_MS.
 */
export function queuedUnsentKey(sku: string): string {
  return skuKey(sku, 'unsent');
}

/** The shard's SKUs with unsent purchases: the sweeper visits each shard's set. */
export function queueSweepSkusKey(shard: number): string {
  return shardKey(shard, 'queue-sweep-skus');
}
