import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

// Same layout as redis-scripts.ts: one .lua file per command, named
// <command>-<numKeys>.lua, loaded once per connection (run by EVALSHA).
function lua(name: string): string {
  return readFileSync(new URL(`../lua/${name}.lua`, import.meta.url), 'utf8');
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The fencing token, or null when the lock is held by someone else. */
    acquireFencedLock(lockKey: string, fenceKey: string, owner: string, leaseMs: number): Result<number | null, Context>;
    releaseLock(lockKey: string, owner: string): Result<number, Context>;
    extendLock(lockKey: string, owner: string, leaseMs: number): Result<number, Context>;
  }
}

/** Registers the lock scripts on a connection; idempotent. */
export function defineLockScripts(redis: Redis): void {
  if (typeof redis.acquireFencedLock === 'function') return;
  redis.defineCommand('acquireFencedLock', { numberOfKeys: 2, lua: lua('acquire-fenced-lock-2') });
  redis.defineCommand('releaseLock', { numberOfKeys: 1, lua: lua('release-lock-1') });
  redis.defineCommand('extendLock', { numberOfKeys: 1, lua: lua('extend-lock-1') });
}

// Same prefix and hash tag as services/shared/redis-keys.ts, so a SKU's keys share a cluster slot.
// Each lock has its own key: the two lock strategies never take each other's lock by accident.

/** redis-lock: one lock per SKU on the main Redis. */
export function lockKey(sku: string): string {
  return `fsi:{${sku}}:lock`;
}

/** redis-lock: the per-SKU counter the fencing tokens come from. */
export function fenceKey(sku: string): string {
  return `fsi:{${sku}}:fence`;
}

/** redlock: the SKU's lock key on every node of the quorum. */
export function redlockKey(sku: string): string {
  return `fsi:{${sku}}:redlock`;
}
