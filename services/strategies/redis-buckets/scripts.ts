import type { Result } from 'ioredis';

// The types of this strategy's Lua scripts, the .lua files beside this one (loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [1, lease id, units, detached] or [0, lease id, units left, detached]: see take-from-bucket-1.lua. */
    takeFromBucket(bucketKey: string, want: number, fillLease: string, fillUnits: string): Result<[number, string, string | number, string], Context>;
    detachBucket(bucketKey: string, leaseId: string): Result<number, Context>;
  }
}
