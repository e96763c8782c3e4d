import type { Result } from 'ioredis';

// The types of this strategy's Lua scripts, the .lua files beside this one (loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [kind, ranges or units left, the SKU's live leases]: see take-lease-4.lua. */
    takeLease(stockKey: string, returnedKey: string, leaseKey: string, ledgerKey: string, want: number, ledgerMember: string, lifetimeMs: number, least: number, spread: number): Result<[number, string | number, number], Context>;
    returnLease(stockKey: string, returnedKey: string, leaseKey: string, ledgerKey: string, ledgerMember: string, units: string): Result<number, Context>;
  }
}
