import { describe, expect, it } from 'vitest';
import { keySlot } from '../../services/shared/redis-slots.js';
import { bucketKey, homeBucket } from '../../services/strategies/redis-buckets/keys.js';

// The slot ranges redis-cli --cluster create hands to three masters (the test cluster's).
const threeMasters = [
  [0, 5460],
  [5461, 10922],
  [10923, 16383],
];
const masterOf = (slot: number) => threeMasters.findIndex(([lo = 0, hi = 0]) => slot >= lo && slot <= hi);

describe('bucket keys', () => {
  it('spread the buckets of a SKU over distinct slots, and 2, 4, 8 or 16 of them over as many masters of three as they can fill', () => {
    for (let i = 0; i < 2000; i += 1) {
      const sku = `SKU-${i}`;
      for (const buckets of [2, 3, 4, 8, 16]) {
        const slots = Array.from({ length: buckets }, (_, bucket) => keySlot(bucketKey(sku, bucket, buckets)));
        expect(new Set(slots).size, `${sku}, ${buckets} buckets`).toBe(buckets);
        // Three buckets spaced a third of the slots apart can meet two on one master (shards do not split at
        // the masters' bounds); 2 and every multiple of 4 cannot.
        if (buckets !== 3) expect(new Set(slots.map(masterOf)).size, `${sku}, ${buckets} buckets`).toBe(Math.min(buckets, 3));
      }
    }
  });

  it('send a buyer back to the same bucket on a retry, and spread buyers over all of them', () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 4000; i += 1) {
      const bucket = homeBucket(`key-${i}`, 4);
      expect(homeBucket(`key-${i}`, 4)).toBe(bucket);
      seen.set(bucket, (seen.get(bucket) ?? 0) + 1);
    }
    expect([...seen.keys()].sort()).toEqual([0, 1, 2, 3]);
    for (const count of seen.values()) expect(count).toBeGreaterThan(800);
  });
});
