import { randomUUID } from 'node:crypto';
import type { MainRedis } from '../../../shared/redis.js';
import type { Log } from '../../../shared/log.js';
import { retryUntil, singleNodeBackoff } from './backoff.js';
import { Lease, driftMs, renewEveryMs } from './lease.js';
import { fenceKey, lockKey } from '../../../shared/redis-keys.js';

export interface LockTiming {
  leaseMs: number;
  /** How long to keep trying before giving up (the caller answers 503). */
  waitMs: number;
  /** Stops waiting early when true (checked between tries). */
  stop?: () => boolean;
}

export interface FencedLease {
  lease: Lease;
  /** Grows with every acquisition of this SKU's lock; PostgreSQL refuses writes with an older one. */
  fenceToken: string;
}

/** One try: the lock and its fencing token, or undefined when someone else holds it. */
export async function tryAcquireFencedLock(redis: MainRedis, sku: string, leaseMs: number, log?: Log): Promise<FencedLease | undefined> {
  const owner = randomUUID();
  const started = Date.now();
  const fence = await redis.acquireFencedLock(lockKey(sku), fenceKey(sku), owner, leaseMs);
  if (fence === null) return undefined;
  const ops = {
    async extend(): Promise<number | undefined> {
      const at = Date.now();
      return (await redis.extendLock(lockKey(sku), owner, leaseMs)) === 1 ? at + leaseMs - driftMs(leaseMs) : undefined;
    },
    async release(): Promise<void> {
      // If this fails the lock simply expires after leaseMs; nothing else to do.
      await redis.releaseLock(lockKey(sku), owner).catch((error: unknown) => log?.warn({ err: error, sku }, 'could not release lock'));
    },
  };
  // The lease is counted from before the SET reached Redis, so our view ends first.
  return { lease: new Lease(ops, started + leaseMs - driftMs(leaseMs), renewEveryMs(leaseMs)), fenceToken: String(fence) };
}

/**
 * Waits for the SKU's lock on one Redis, up to `waitMs`, retrying with
 * jittered backoff. Undefined when the wait ran out or `stop` said so.
 * Redis errors are thrown: with its only Redis down this lock cannot be had
 * at all, so waiting is pointless (the API answers 503 at once).
 */
export function acquireFencedLock(redis: MainRedis, sku: string, timing: LockTiming, log?: Log): Promise<FencedLease | undefined> {
  return retryUntil(Date.now() + timing.waitMs, singleNodeBackoff, () => tryAcquireFencedLock(redis, sku, timing.leaseMs, log), timing.stop);
}
