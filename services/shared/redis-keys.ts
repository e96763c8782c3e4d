import { clusterSlots, keySlot } from './redis-slots.js';

// Every key in the main Redis, placed for a Redis Cluster. A Lua script may
// only touch keys of one slot, and the background loops (the deduction
// reconciler, the mirror repair, the queue sweeper) must find every SKU with
// work without a key that spans SKUs. So keys carry a hash tag naming one of
// `keyShards` shards, not the SKU: a SKU's keys all sit in its shard's slot,
// and beside them the shard's index keys (which of its SKUs have work), which
// the same scripts update. A loop reads keyShards index keys, not one per SKU.
//
// Shard i's tag is a short string whose slot lies in [i, i+1) x 1,024, so the
// 16 shards spread evenly over the slot ranges redis-cli --cluster create hands
// to 3 (or 2, 4, 8, 16) masters. A SKU's shard is the shard of the slot its
// own name would take, so SKUs spread over shards as they would over slots.
// Past 16 masters, one hot SKU still sits on one master either way; only many
// SKUs would spread less (raise keyShards: every process must agree on it).
export const keyPrefix = 'fsi';
const prefix = keyPrefix;
export const keyShards = 16;
const slotsPerShard = clusterSlots / keyShards;

/** The first tag `s<n>` found for each shard (a few dozen CRC16s, once per process). */
function shardTags(): readonly string[] {
  const tags: string[] = [];
  let found = 0;
  for (let n = 0; found < keyShards; n += 1) {
    const tag = `s${n}`;
    const shard = Math.floor(keySlot(tag) / slotsPerShard);
    if (tags[shard] === undefined) {
      tags[shard] = tag;
      found += 1;
    }
  }
  return tags;
}
const tags = shardTags();

/** Every shard, for the loops that visit them all. */
export const allShards: readonly number[] = tags.map((_, shard) => shard);

/** The shard of a SKU (or of an order id, for keys found by order id alone). */
export function shardOf(name: string): number {
  return Math.floor(keySlot(name) / slotsPerShard);
}

/** A key of one shard: `fsi:{<tag>}:<part>`. */
export function shardKey(shard: number, part: string): string {
  return `${prefix}:{${tags[shard] ?? ''}}:${part}`;
}

/** A key of one SKU: `fsi:{<shard tag>}:<sku>:<part>` (SKU codes hold no braces: schemas/purchase.ts). */
export function skuKey(sku: string, part: string): string {
  return shardKey(shardOf(sku), `${sku}:${part}`);
}

export function stockKey(sku: string): string {
  return skuKey(sku, 'stock');
}

/** How many units released by ended holds the SKU's counter has (copy-added-4.lua). */
export function releasedCopiedKey(sku: string): string {
  return skuKey(sku, 'released-copied');
}

/** How many of the units PostgreSQL-decided sales took (skus.decided_units) the SKU's counter has (copy-decided-3.lua). */
export function decidedCopiedKey(sku: string): string {
  return skuKey(sku, 'decided-copied');
}

/** How many units restocks added (skus.restocked_units) the SKU's counter has (copy-added-4.lua). */
export function restockedCopiedKey(sku: string): string {
  return skuKey(sku, 'restocked-copied');
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

/** redis-lua: units given back (their order was never written), taken again first. */
export function returnedUnitsKey(sku: string): string {
  return skuKey(sku, 'returned-units');
}
