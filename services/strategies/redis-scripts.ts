import { readdirSync, readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';

// Every Lua script lives in lua/ as <command>-<numKeys>.lua: the file name is
// the one place that says both the command's name (kebab-case, registered in
// camelCase) and how many of its arguments are keys. Loaded once per
// connection with defineCommand, which runs them by EVALSHA.
const luaDir = new URL('./lua/', import.meta.url);
const scriptFile = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/;

export interface LuaScript {
  command: string;
  numberOfKeys: number;
  lua: string;
}

const camelCase = (kebab: string): string => kebab.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Every script in lua/, its command name and key count read from its file name. */
export function luaScripts(): LuaScript[] {
  return readdirSync(luaDir)
    .filter((file) => file.endsWith('.lua'))
    .map((file) => {
      const match = scriptFile.exec(file);
      if (match === null) throw new Error(`lua/${file}: name it <command>-<numKeys>.lua`);
      const [, name = '', keys = ''] = match;
      return { command: camelCase(name), numberOfKeys: Number(keys), lua: readFileSync(new URL(file, luaDir), 'utf8') };
    });
}

/** [kind, value]: see the Output block of each script. */
export type ScriptReply = [number, string | number];

// The commands' types; their names must match the files (redis-scripts.test.ts checks).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    deductStock(stockKey: string, deductionKey: string, returnedKey: string, ledgerKey: string, quantity: number, orderId: string, deductionTtlMs: number, ledgerMember: string): Result<ScriptReply, Context>;
    restoreStock(stockKey: string, deductionKey: string, returnedKey: string, ledgerKey: string, orderId: string, ledgerMember: string, giveBack: '1' | '0'): Result<number, Context>;
    rebuildCounter(stockKey: string, returnedKey: string, releasedCopiedKey: string, unitsLeft: number, overwrite: '1' | '0', releasedUnits: number): Result<ScriptReply, Context>;
    /** The units added, or null when the SKU has no counter. */
    copyReleases(stockKey: string, releasedCopiedKey: string, soldOutKey: string, releasedTotal: number): Result<number | null, Context>;
    adjustStock(stockKey: string, copiedKey: string, delta: number, sku: string): Result<number | null, Context>;
    queuePurchase(soldOutKey: string, stockKey: string, markerKey: string, queuedKey: string, queuedOrderKey: string, unsentKey: string, sweepSkusKey: string, orderId: string, purchase: string, ttlMs: number, sku: string): Result<ScriptReply, Context>;
    unqueuePurchase(markerKey: string, queuedKey: string, queuedOrderKey: string, unsentKey: string, orderId: string, purchase: string): Result<number, Context>;
    claimUnsent(unsentKey: string, queuedKey: string, sweepSkusKey: string, sku: string, olderThanMs: number, limit: number): Result<string[], Context>;
    /** The fencing token, or null when the lock is held by someone else. */
    acquireFencedLock(lockKey: string, fenceKey: string, owner: string, leaseMs: number): Result<number | null, Context>;
    releaseLock(lockKey: string, owner: string): Result<number, Context>;
    extendLock(lockKey: string, owner: string, leaseMs: number): Result<number, Context>;
  }
}

// Read once per process: every connection defines the same scripts.
let scripts: LuaScript[] | undefined;

/** Registers every script on a connection; idempotent. */
export function defineScripts(redis: Redis): void {
  scripts ??= luaScripts();
  for (const script of scripts) {
    if (script.command in redis) continue;
    redis.defineCommand(script.command, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
}
