import type { MainRedis } from './redis.js';
import { soldOutFlagKey } from './redis-keys.js';

// Stock grows back only when a hold (reserve) ends unpaid or is cancelled, and
// that release deletes the flag after its commit (hold-release.ts). The TTL
// keeps finished sales from leaving keys behind forever (a day outlives any sale).
const soldOutFlagTtlSeconds = 24 * 60 * 60;

/**
 * Set by the queue worker once PostgreSQL's stock of a SKU is 0. `stockNow`
 * reads PostgreSQL again after the flag is set: a release that committed
 * before the flag was set but deleted it before that (its units back on
 * sale) is seen by that read, and the flag goes. Any later release deletes
 * the flag itself, so in every order of events a SKU with stock ends
 * without the flag. Costs one read per sell-out, none per purchase.
 */
export async function markSoldOut(redis: MainRedis, sku: string, stockNow: () => Promise<number | undefined>): Promise<void> {
  await redis.set(soldOutFlagKey(sku), '1', 'EX', soldOutFlagTtlSeconds);
  if (((await stockNow()) ?? 0) > 0) await redis.del(soldOutFlagKey(sku));
}

export async function isMarkedSoldOut(redis: MainRedis, sku: string): Promise<boolean> {
  return (await redis.exists(soldOutFlagKey(sku))) === 1;
}
