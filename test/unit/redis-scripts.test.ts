import { describe, expect, it } from 'vitest';
import { luaScripts } from '../../services/strategies/common/redis-scripts.js';

describe('Lua scripts', () => {
  it('take their command name and key count from <command>-<numKeys>.lua, and the count matches the keys they use', () => {
    const scripts = luaScripts();
    expect(scripts.map((s) => s.command).sort()).toEqual(
      ['acquireFencedLock', 'claimUnsent', 'copyAdded', 'copyDecided', 'deductStock', 'extendLock', 'queuePurchase', 'rebuildCounter', 'releaseLock', 'restoreStock', 'uncopyDecided', 'unqueuePurchase'],
    );
    for (const script of scripts) {
      // Every KEYS[n] a script reads must be passed as a key, and every key passed must be read.
      const used = [...script.lua.matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1]));
      expect(Math.max(...used), script.command).toBe(script.numberOfKeys);
    }
  });
});
