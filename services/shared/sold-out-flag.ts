import type { Redis } from 'ioredis';
import { soldOutFlagKey } from './redis-keys.js';

// PostgreSQL's stock never grows back, so the flag is never wrong; the TTL only
// keeps finished sales from leaving keys behind forever (a day outlives any sale).
const soldOutFlagTtlSeconds = 24 * 60 * 60;

/** Set by the queue worker once PostgreSQL's stock of a SKU is 0. */
export async function markSoldOut(redis: Redis, sku: string): Promise<void> {
  await redis.set(soldOutFlagKey(sku), '1', 'EX', soldOutFlagTtlSeconds);
}

export async function isMarkedSoldOut(redis: Redis, sku: string): Promise<boolean> {
  return (await redis.exists(soldOutFlagKey(sku))) === 1;
}
