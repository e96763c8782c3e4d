import type { Result } from 'ioredis';
import type { ScriptReply } from '../common/redis-scripts.js';

// The types of this strategy's Lua scripts, the .lua files beside this one (loaded by common/redis-scripts.ts).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    deductStock(stockKey: string, deductionKey: string, returnedKey: string, ledgerKey: string, quantity: number, orderId: string, deductionTtlMs: number, ledgerMember: string): Result<ScriptReply, Context>;
    restoreStock(stockKey: string, deductionKey: string, returnedKey: string, ledgerKey: string, orderId: string, ledgerMember: string, giveBack: '1' | '0'): Result<number, Context>;
  }
}
