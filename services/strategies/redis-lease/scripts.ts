import type { Result } from 'ioredis';
import type { ScriptReply } from '../common/redis-scripts.js';

// The types of this strategy's Lua scripts, the .lua files beside this one (loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    takeLease(stockKey: string, returnedKey: string, leaseKey: string, ledgerKey: string, want: number, ledgerMember: string, lifetimeMs: number, least: number, spread: number): Result<ScriptReply, Context>;
    returnLease(stockKey: string, returnedKey: string, leaseKey: string, ledgerKey: string, ledgerMember: string, units: string): Result<number, Context>;
  }
}
