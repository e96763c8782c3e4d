import { afterAll, describe, expect, it } from 'vitest';
import { decidedCopiedKey, releasedCopiedKey, restockedCopiedKey, returnedUnitsKey, soldOutFlagKey, stockKey } from '../../services/shared/redis-keys.js';
import { testConfig, uniqueSku } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';

// The scripts that copy released units (holds ended) to a Redis counter, on the
// real Redis: every copier may copy the same total, in any order, and the units
// land once; a counter rebuilt from an older read keeps the units copied since.
const redis = mainRedis('release-copies-test');
afterAll(async () => {
  await redis.quit();
});

function copy(sku: string, total: number): Promise<number | null> {
  return redis.copyAdded(stockKey(sku), releasedCopiedKey(sku), soldOutFlagKey(sku), returnedUnitsKey(sku), total, '');
}

describe('copying released units to the counter', () => {
  it('adds each released unit once, whatever the order and the repeats of the copies', async () => {
    const sku = uniqueSku('release-copies');
    await redis.set(stockKey(sku), 0);
    await redis.set(soldOutFlagKey(sku), '1');
    // Three releases (totals 3, 5, 9) copied by the releaser, a repair and a retry, out of order.
    const added = await Promise.all([9, 3, 5, 9, 3, 5, 5].map((total) => copy(sku, total)));
    expect(added.reduce((sum: number, units) => sum + (units ?? 0), 0)).toBe(9);
    expect(await redis.get(stockKey(sku))).toBe('9');
    expect(await redis.exists(soldOutFlagKey(sku))).toBe(0);
    expect(await copy(sku, 7)).toBe(0);
    expect(await redis.get(stockKey(sku))).toBe('9');
  });

  it('creates no counter for a SKU Redis does not know', async () => {
    const sku = uniqueSku('release-copies-missing');
    expect(await copy(sku, 4)).toBeNull();
    expect(await redis.exists(stockKey(sku))).toBe(0);
  });

  it('a rebuild from a read older than a copy keeps that copy\'s units; a copy the read already had adds nothing', async () => {
    const sku = uniqueSku('release-copies-rebuild');
    await redis.set(stockKey(sku), 2);
    expect(await copy(sku, 6)).toBe(6);
    // The read saw 4 released and 1 unit left: the 2 released after it were copied meanwhile.
    await redis.del(stockKey(sku));
    await redis.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku), 1, 4, 0, 0, '');
    expect(await redis.get(stockKey(sku))).toBe('3');
    // A read that saw 10 released, 12 left: the copy of total 10 is in it.
    await redis.del(stockKey(sku));
    await redis.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku), 12, 10, 0, 0, '');
    expect(await copy(sku, 10)).toBe(0);
    expect(await redis.get(stockKey(sku))).toBe('12');
    expect(await copy(sku, 11)).toBe(1);
    expect(await redis.get(stockKey(sku))).toBe('13');
  });
});
