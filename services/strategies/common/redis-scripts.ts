import { readdirSync, readFileSync } from 'node:fs';
import type { Result } from 'ioredis';
import type { MainRedis } from '../../shared/redis.js';

// Every Lua script is a file <command>-<numKeys>.lua, in the folder of the
// strategy it belongs to (the scripts several share are in common/lua/): the
// file name is the one place that says both the command's name (kebab-case,
// registered in camelCase) and how many of its arguments are keys. Each
// folder types its commands beside them (declare module 'ioredis'). Loaded
// once per connection with defineCommand, which runs them by EVALSHA.
const strategiesDir = new URL('../', import.meta.url);
const scriptFile = /^([a-z]+(?:-[a-z]+)*)-(\d+)\.lua$/;

export interface LuaScript {
  command: string;
  numberOfKeys: number;
  lua: string;
}

const camelCase = (kebab: string): string => kebab.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/** Every script under `dir` (services/strategies/ by default), its command name and key count read from its file name. */
export function luaScripts(dir: URL = strategiesDir): LuaScript[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.lua'))
    .sort()
    .map((path) => {
      const file = path.slice(path.lastIndexOf('/') + 1);
      const match = scriptFile.exec(file);
      if (match === null) throw new Error(`${path}: name it <command>-<numKeys>.lua`);
      const [, name = '', keys = ''] = match;
      return { command: camelCase(name), numberOfKeys: Number(keys), lua: readFileSync(new URL(path, dir), 'utf8') };
    });
}

/** [kind, value]: see the Output block of each script. */
export type ScriptReply = [number, string | number];

// The shared scripts' types (common/lua/); each strategy types its own in its folder's scripts.ts.
// Their names must match the files (redis-scripts.test.ts checks).
declare module 'ioredis' {
  interface RedisCommander<Context> {
    rebuildCounter(
      stockKey: string,
      returnedKey: string,
      releasedCopiedKey: string,
      decidedCopiedKey: string,
      restockedCopiedKey: string,
      unitsLeft: number,
      releasedUnits: number,
      decidedUnits: number,
      restockedUnits: number,
      /** The free unit names ('lo-hi,…'), or '' to number from the top (rebuild-counter-5.lua). */
      freeNames: string,
    ): Result<number, Context>;
    copyDecided(stockKey: string, decidedCopiedKey: string, soldOutKey: string, decidedUnits: number, mode: 'up' | 'exact'): Result<number | null, Context>;
    uncopyDecided(stockKey: string, decidedCopiedKey: string, total: number, units: number): Result<number, Context>;
    /** The units added, or null when the SKU has no counter. `namesAfter`: the initial stock for restocks, '' for releases. */
    copyAdded(stockKey: string, countKey: string, soldOutKey: string, returnedKey: string, total: number, namesAfter: number | ''): Result<number | null, Context>;
    /** The fencing token, or null when the lock is held by someone else. */
    acquireFencedLock(lockKey: string, fenceKey: string, owner: string, leaseMs: number): Result<number | null, Context>;
    releaseLock(lockKey: string, owner: string): Result<number, Context>;
    extendLock(lockKey: string, owner: string, leaseMs: number): Result<number, Context>;
  }
}

// Read once per process and folder: every connection defines the same scripts.
const scriptsByDir = new Map<string, LuaScript[]>();

/** Registers every script of `dir` (services/strategies/ by default: the waiting room has its own) on a connection; idempotent. */
export function defineScripts(redis: MainRedis, dir: URL = strategiesDir): void {
  let scripts = scriptsByDir.get(dir.href);
  if (scripts === undefined) {
    scripts = luaScripts(dir);
    scriptsByDir.set(dir.href, scripts);
  }
  for (const script of scripts) {
    if (script.command in redis) continue;
    redis.defineCommand(script.command, { numberOfKeys: script.numberOfKeys, lua: script.lua });
  }
}
