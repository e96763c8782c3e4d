import type { Result } from 'ioredis';

// The types of the lease scripts (common/lua/take-lease-4.lua, return-lease-4.lua; loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** [kind, ranges or units left, the SKU's live leases]: see take-lease-4.lua. */
    takeLease(stockKey: string, returnedKey: string, leaseKey: string, ledgerKey: string, want: number, ledgerMember: string, lifetimeMs: number, least: number, spread: number, leastShare: number): Result<[number, string | number, number], Context>;
    returnLease(stockKey: string, returnedKey: string, leaseKey: string, ledgerKey: string, ledgerMember: string, units: string): Result<number, Context>;
  }
}
