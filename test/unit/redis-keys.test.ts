import { describe, expect, it } from 'vitest';
import { allShards, keyShards, shardKey, shardOf, skuKey } from '../../services/shared/redis-keys.js';
import { keySlot } from '../../services/shared/redis-slots.js';

// The server's own answers are checked against a live cluster in redis-cluster.test.ts.
describe('key placement', () => {
  it('hashes as Redis Cluster does: CRC16/XMODEM check value, hash tags, mod 16,384', () => {
    // 0x31C3 is the CRC16/XMODEM of "123456789" (the check value Redis's crc16.c gives).
    expect(keySlot('123456789')).toBe(0x31c3 % 16_384);
    expect(keySlot('{123456789}.anything')).toBe(keySlot('123456789'));
    expect(keySlot('x{}y')).not.toBe(keySlot('')); // an empty tag hashes the whole key
    expect(keySlot('a{b}c{d}')).toBe(keySlot('b')); // only the first tag counts
  });

  it('gives each shard a tag in its own range, and a SKU the shard of its own slot', () => {
    expect(allShards).toHaveLength(keyShards);
    for (const shard of allShards) expect(Math.floor(keySlot(shardKey(shard, 'x')) / (16_384 / keyShards))).toBe(shard);
    for (const sku of ['flash-1', 'a', 'SKU.2026:x']) {
      expect(keySlot(skuKey(sku, 'stock'))).toBe(keySlot(shardKey(shardOf(sku), 'anything')));
      expect(skuKey(sku, 'stock')).toMatch(new RegExp(`^fsi:\\{s\\d+\\}:${sku.replace('.', '\\.')}:stock$`));
    }
  });
});
