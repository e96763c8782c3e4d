import { describe, expect, it } from 'vitest';
import { luaScripts } from '../../services/strategies/common/redis-scripts.js';
import { skuOfStockKey, stockBackChannel } from '../../services/shared/stock-news.js';
import { stockKey } from '../../services/shared/redis-keys.js';

describe('Lua scripts', () => {
  it('take their command name and key count from <command>-<numKeys>.lua, and the count matches the keys they use', () => {
    const scripts = luaScripts();
    expect(scripts.map((s) => s.command).sort()).toEqual(
      ['acquireFencedLock', 'claimUnsent', 'copyAdded', 'copyDecided', 'deductStock', 'detachBucket', 'extendLock', 'queuePurchase', 'rebuildCounter', 'releaseLock', 'restoreStock', 'returnLease', 'takeFromBucket', 'takeLease', 'uncopyDecided', 'unqueuePurchase'],
    );
    for (const script of scripts) {
      // Every KEYS[n] a script reads must be passed as a key, and every key passed must be read.
      const used = [...script.lua.matchAll(/KEYS\[(\d+)\]/g)].map((match) => Number(match[1]));
      expect(Math.max(...used), script.command).toBe(script.numberOfKeys);
    }
  });
});

describe('stock news', () => {
  it('every script that raises a stock counter publishes on the channel the subscribers listen to', () => {
    // KEYS[1] is the stock counter in every script that touches one; a raise is INCRBY on it, or SET of a missing one.
    const raises = luaScripts().filter((s) => /redis\.call\('INCRBY', KEYS\[1\]/.test(s.lua) || /redis\.call\('SET', KEYS\[1\], tonumber/.test(s.lua) || /total < had/.test(s.lua));
    expect(raises.map((s) => s.command).sort()).toEqual(['copyAdded', 'copyDecided', 'rebuildCounter', 'restoreStock', 'returnLease', 'uncopyDecided']);
    for (const script of raises) expect(script.lua, script.command).toContain(`redis.call('PUBLISH', '${stockBackChannel}', KEYS[1])`);
  });

  it('names the SKU of a stock key', () => {
    expect(skuOfStockKey(stockKey('SKU-1:a'))).toBe('SKU-1:a');
    expect(skuOfStockKey('fsi:{s1}:stock')).toBeUndefined();
    expect(skuOfStockKey('other:{s1}:X:stock')).toBeUndefined();
  });
});
