import type { Result } from 'ioredis';
import type { ScriptReply } from '../common/redis-scripts.js';

// The types of this strategy's Lua scripts, the .lua files beside this one (loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    queuePurchase(soldOutKey: string, stockKey: string, markerKey: string, queuedKey: string, unsentKey: string, sweepSkusKey: string, orderId: string, purchase: string, ttlMs: number, sku: string): Result<ScriptReply, Context>;
    unqueuePurchase(markerKey: string, queuedKey: string, unsentKey: string, orderId: string, purchase: string, recordedScore: string): Result<number, Context>;
    claimUnsent(unsentKey: string, queuedKey: string, sweepSkusKey: string, sku: string, olderThanMs: number, limit: number): Result<string[], Context>;
  }
}
