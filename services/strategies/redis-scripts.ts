import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

// Lua lives in .lua files beside this one (named <command>-<numKeys>.lua) and is
// loaded once per connection with defineCommand, which runs it by EVALSHA.
function lua(name: string): string {
  return readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');
}

/** [kind, value]: see the Output block of each script. */
export type ScriptReply = [number, string | number];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    deductStock(stockKey: string, deductionKey: string, returnedKey: string, ledgerKey: string, quantity: number, orderId: string, deductionTtlMs: number, ledgerMember: string): Result<ScriptReply, Context>;
    restoreStock(stockKey: string, deductionKey: string, returnedKey: string, ledgerKey: string, orderId: string, ledgerMember: string, giveBack: '1' | '0'): Result<number, Context>;
    rebuildCounter(stockKey: string, returnedKey: string, unitsLeft: number, overwrite: '1' | '0'): Result<ScriptReply, Context>;
    adjustStock(stockKey: string, copiedKey: string, delta: number, sku: string): Result<number | null, Context>;
    queuePurchase(soldOutKey: string, stockKey: string, markerKey: string, queuedKey: string, queuedOrderKey: string, unsentKey: string, sweepSkusKey: string, orderId: string, purchase: string, ttlMs: number, sku: string): Result<ScriptReply, Context>;
    unqueuePurchase(markerKey: string, queuedKey: string, queuedOrderKey: string, unsentKey: string, orderId: string, purchase: string): Result<number, Context>;
    claimUnsent(unsentKey: string, queuedKey: string, sweepSkusKey: string, sku: string, olderThanMs: number, limit: number): Result<string[], Context>;
  }
}

/** Registers the project's scripts on a connection; idempotent. */
export function defineStockScripts(redis: Redis): void {
  if (typeof redis.deductStock === 'function') return;
  redis.defineCommand('deductStock', { numberOfKeys: 4, lua: lua('deduct-stock-4') });
  redis.defineCommand('restoreStock', { numberOfKeys: 4, lua: lua('restore-stock-4') });
  redis.defineCommand('rebuildCounter', { numberOfKeys: 2, lua: lua('rebuild-counter-2') });
  redis.defineCommand('adjustStock', { numberOfKeys: 2, lua: lua('adjust-stock-2') });
  redis.defineCommand('queuePurchase', { numberOfKeys: 7, lua: lua('queue-purchase-7') });
  redis.defineCommand('unqueuePurchase', { numberOfKeys: 4, lua: lua('unqueue-purchase-4') });
  redis.defineCommand('claimUnsent', { numberOfKeys: 3, lua: lua('claim-unsent-3') });
}
