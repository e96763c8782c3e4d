import { describe, expect, it } from 'vitest';
import { allocate } from '../../services/strategies/common/allocate.js';
import { groupBySku } from '../../services/strategies/kafka-queue/group-by-sku.js';
import { parseQueuedMessage, type QueuedPurchase, queuedMessage } from '../../services/strategies/kafka-queue/queued-purchase.js';

const purchase = (key: string, quantity: number, sku = 's'): QueuedPurchase => ({ orderId: `o-${key}`, sku, userId: 'u', quantity, idempotencyKey: key, requestedAt: 0 });

describe('allocate', () => {
  it('gives one verdict per purchase, in order', () => {
    expect(allocate(2, [purchase('a', 1), purchase('b', 2), purchase('a', 1), purchase('c', 1)], new Set()).verdicts).toEqual(['confirmed', 'rejected', 'duplicate', 'confirmed']);
  });

  it('takes purchases in queue order while they fit, and lets a later smaller one fit', () => {
    const plan = allocate(5, [purchase('a', 3), purchase('b', 3), purchase('c', 2), purchase('d', 1)], new Set());
    expect(plan.confirmed.map((p) => p.idempotencyKey)).toEqual(['a', 'c']);
    expect(plan.rejected.map((p) => p.idempotencyKey)).toEqual(['b', 'd']);
    expect(plan.units).toBe(5);
  });

  it('skips keys that already have an order, and a key repeated in the batch', () => {
    const plan = allocate(10, [purchase('a', 1), purchase('b', 1), purchase('a', 1)], new Set(['b']));
    expect(plan.confirmed.map((p) => p.idempotencyKey)).toEqual(['a']);
    expect(plan.duplicates.map((p) => p.idempotencyKey)).toEqual(['b', 'a']);
    expect(plan.units).toBe(1);
  });

  it('rejects everything on a sold-out SKU without taking anything', () => {
    expect(allocate(0, [purchase('a', 1)], new Set())).toMatchObject({ confirmed: [], units: 0 });
  });
});

describe('groupBySku', () => {
  it('keeps each SKU in queue order', () => {
    const groups = groupBySku([purchase('a', 1, 'x'), purchase('b', 1, 'y'), purchase('c', 1, 'x')]);
    expect([...groups.keys()]).toEqual(['x', 'y']);
    expect(groups.get('x')?.map((p) => p.idempotencyKey)).toEqual(['a', 'c']);
  });
});

describe('parseQueuedMessage', () => {
  const one = purchase('a', 2);
  it('reads a packed message in order, and a lone purchase from before packing', () => {
    expect(parseQueuedMessage(Buffer.from(queuedMessage([JSON.stringify(one), JSON.stringify(purchase('b', 1))])))?.map((p) => p.idempotencyKey)).toEqual(['a', 'b']);
    expect(parseQueuedMessage(Buffer.from(JSON.stringify(one)))).toEqual([one]);
  });

  it('refuses a message with any unreadable purchase, so it is skipped whole', () => {
    expect(parseQueuedMessage(Buffer.from(queuedMessage([JSON.stringify(one), '{"sku":1}'])))).toBeUndefined();
    expect(parseQueuedMessage(Buffer.from('not json'))).toBeUndefined();
    expect(parseQueuedMessage(null)).toBeUndefined();
  });
});
