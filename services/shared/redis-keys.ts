// The Redis keys several strategies share; a strategy's own keys are in its
// folder's keys.ts, built with skuKey. The SKU sits in braces (a hash tag) so
// every key of one SKU lands on the same Redis Cluster slot and a Lua script
// may touch them together; the few keys that are not per SKU say where they
// would sit on a cluster.
export const keyPrefix = 'fsi';
const prefix = keyPrefix;

/** A key of one SKU: `fsi:{<sku>}:<part>`. */
export function skuKey(sku: string, part: string): string {
  return `${prefix}:{${sku}}:${part}`;
}

export function stockKey(sku: string): string {
  return skuKey(sku, 'stock');
}

/** How many units released by ended holds the SKU's counter has (copy-releases-3.lua). */
export function releasedCopiedKey(sku: string): string {
  return skuKey(sku, 'released-copied');
}

/** Set by the queue worker once PostgreSQL's stock of the SKU is 0 (sold-out-flag.ts). */
export function soldOutFlagKey(sku: string): string {
  return skuKey(sku, 'sold-out');
}

// Each lock strategy has its own key: the two never take each other's lock by accident.

/** redis-lock: one lock per SKU on the main Redis. */
export function lockKey(sku: string): string {
  return skuKey(sku, 'lock');
}

/** redis-lock: the per-SKU counter the fencing tokens come from. */
export function fenceKey(sku: string): string {
  return skuKey(sku, 'fence');
}

/** redlock: the SKU's lock key on every node of the quorum. */
/** Which order took stock for an Idempotency-Key, so a retry never takes it twice. */
/** redis-lua: units given back (their order was never written), taken again first. */
export function returnedUnitsKey(sku: string): string {
  return skuKey(sku, 'returned-units');
}

/**
 * redis-lua: every deduction not yet known to have its order, by time taken
 * (members are ledgerMember()). One key for all SKUs, so the reconciler reads
 * one range; on a Redis Cluster it would need one per slot, like the queue's
 * order-id keys below.
 */
/** A ledger member: the SKU and the Idempotency-Key (neither holds a space). */
/**
 * SKUs whose counter a PostgreSQL decision was copied to, by the time of the
 * last copy: the mirror repair checks each once its copies stop. One key for
 * all SKUs, like the deduction ledger above.
 */
export const copiedSkusKey = `${prefix}:copied-skus`;

/** kafka-queue: the purchase queued under an Idempotency-Key, so a retry names the same order. */
/** kafka-queue: the SKU's purchases sent to Kafka and not yet applied (order id -> purchase). */
/**
 * kafka-queue: a queued purchase by order id, for GET /v1/orders/:id before the
 * worker has written the order. Keyed by order id alone (the route knows no
 * SKU), so on a Redis Cluster it would sit on another slot than the SKU's keys.
 */
/**
 * kafka-queue: the SKU's purchases recorded but not yet acknowledged by Kafka
 * to the front door (sorted set: order id, score = ms, Redis' clock). The
 * queue sweeper sends the ones older than QUEUE_SWEEP_AFTER_MS.
 */
/**
 * kafka-queue: the SKUs whose unsent set the sweeper visits. One key for all
 * SKUs, so on a Redis Cluster it sits on its own slot, like queuedOrderKey.
 */
