import type { Result } from 'ioredis';

// The types of this strategy's Lua scripts, the .lua files beside this one (loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** The units added, or null when the SKU has no counter. */
    copyReleases(stockKey: string, releasedCopiedKey: string, soldOutKey: string, releasedTotal: number): Result<number | null, Context>;
  }
}
