import { describe, expect, it } from 'vitest';
import { SoldOutMemory } from '../../services/api/purchases/sold-out-memory.js';

// The memory's rules with a clock and a key loader the test drives: when a
// store's "sold out" is remembered, for whom, and when it is forgotten.
function setup(ttlMs = 1000) {
  let now = 10_000;
  const loads: Array<{ sku: string; resolve: (keys: ReadonlySet<string> | undefined) => void; reject: (error: unknown) => void }> = [];
  const failures: unknown[] = [];
  const memory = new SoldOutMemory({
    ttlMs,
    maxKeys: 100,
    loadKeys: (sku) => new Promise((resolve, reject) => loads.push({ sku, resolve, reject })),
    onLoadFailed: (error) => failures.push(error),
    now: () => now,
  });
  memory.listening(true);
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { memory, loads, failures, settle, advance: (ms: number) => (now += ms), at: () => now };
}

describe('SoldOutMemory', () => {
  it('refuses from memory once the keys are loaded, except a key that may have bought, a smaller quantity, and after the TTL', async () => {
    const { memory, loads, settle, advance, at } = setup();
    const mark = memory.mark();
    const askedAt = at();
    memory.soldOut('s', 'A', 1, mark, askedAt);
    expect(memory.refuses('s', 'A', 1, 'k-new')).toBeUndefined(); // keys not loaded yet
    loads[0]?.resolve(new Set(['k-bought']));
    await settle();
    expect(memory.refuses('s', 'A', 1, 'k-new')).toMatchObject({ asOf: new Date(askedAt).toISOString() });
    expect(memory.refuses('s', 'A', 2, 'k-new')).toMatchObject({ asOf: new Date(askedAt).toISOString() });
    expect(memory.refuses('s', 'A', 1, 'k-bought')).toBeUndefined();
    expect(memory.refuses('other-strategy', 'A', 1, 'k-new')).toBeUndefined();
    expect(memory.refuses('s', 'B', 1, 'k-new')).toBeUndefined();
    advance(499);
    expect(memory.refuses('s', 'A', 1, 'k-new')).toBeDefined();
    advance(1);
    // Half the TTL gone: one buyer is sent to the store to renew it, the rest are still answered.
    expect(memory.refuses('s', 'A', 1, 'k-renew')).toBeUndefined();
    advance(499);
    expect(memory.refuses('s', 'A', 1, 'k-new')).toBeDefined();
    advance(1);
    expect(memory.refuses('s', 'A', 1, 'k-new')).toBeUndefined();
    expect(memory.size()).toBe(0);
  });

  it('renews itself before it ends: the renewing buyer\'s answer is remembered once its keys are read, the old one answering meanwhile', async () => {
    const { memory, loads, settle, advance, at } = setup();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    loads[0]?.resolve(new Set(['k-1']));
    await settle();
    advance(600);
    expect(memory.refuses('s', 'A', 1, 'k-renew')).toBeUndefined();
    const renewedAt = at();
    memory.soldOut('s', 'A', 1, memory.mark(), renewedAt);
    // Another store answer meanwhile (a smaller quantity, a key among the loaded ones) starts no second load.
    memory.soldOut('s', 'A', 1, memory.mark(), renewedAt);
    expect(loads).toHaveLength(2);
    // Still the first memory while the keys load; no second buyer is sent to the store.
    expect(memory.refuses('s', 'A', 1, 'k-new')).toMatchObject({ asOf: new Date(renewedAt - 600).toISOString() });
    loads[1]?.resolve(new Set(['k-1', 'k-2']));
    await settle();
    expect(memory.refuses('s', 'A', 1, 'k-new')).toMatchObject({ asOf: new Date(renewedAt).toISOString() });
    expect(memory.refuses('s', 'A', 1, 'k-2')).toBeUndefined();
    // The first memory would have ended here; the renewed one answers until its own TTL.
    advance(450);
    expect(memory.refuses('s', 'A', 1, 'k-new')).toBeDefined();
  });

  it('lets a renewal go when news comes while its keys load, and the old memory with it', async () => {
    const { memory, loads, settle, advance, at } = setup();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    loads[0]?.resolve(new Set());
    await settle();
    advance(600);
    expect(memory.refuses('s', 'A', 1, 'k-renew')).toBeUndefined();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    memory.stockBack('A');
    loads[1]?.resolve(new Set());
    await settle();
    expect(memory.refuses('s', 'A', 1, 'k-new')).toBeUndefined();
    expect(memory.size()).toBe(0);
  });

  it('remembers a refused quantity of 2 only for 2 and more', async () => {
    const { memory, loads, settle, at } = setup();
    memory.soldOut('s', 'A', 2, memory.mark(), at());
    loads[0]?.resolve(new Set());
    await settle();
    expect(memory.refuses('s', 'A', 1, 'k')).toBeUndefined();
    expect(memory.refuses('s', 'A', 3, 'k')).toBeDefined();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    expect(memory.refuses('s', 'A', 1, 'k')).toBeDefined();
    expect(loads).toHaveLength(1);
  });

  it('forgets the SKU when units come back, and does not remember an answer asked for before that news', async () => {
    const { memory, loads, settle, at } = setup();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    memory.soldOut('t', 'A', 1, memory.mark(), at());
    loads.forEach((load) => load.resolve(new Set()));
    await settle();
    expect(memory.refuses('t', 'A', 1, 'k')).toBeDefined();
    const askedBeforeNews = memory.mark();
    memory.stockBack('A');
    expect(memory.refuses('s', 'A', 1, 'k')).toBeUndefined();
    expect(memory.refuses('t', 'A', 1, 'k')).toBeUndefined();
    memory.soldOut('s', 'A', 1, askedBeforeNews, at());
    expect(loads).toHaveLength(2); // not even loaded
    // News of another SKU does not stop this one.
    const mark = memory.mark();
    memory.stockBack('B');
    memory.soldOut('s', 'A', 1, mark, at());
    expect(loads).toHaveLength(3);
  });

  it('drops keys that finished loading after news came', async () => {
    const { memory, loads, settle, at } = setup();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    memory.stockBack('A');
    loads[0]?.resolve(new Set());
    await settle();
    expect(memory.refuses('s', 'A', 1, 'k')).toBeUndefined();
    expect(memory.size()).toBe(0);
  });

  it('remembers nothing while deaf, forgets everything when the subscription goes, and answers asked before it came back are not kept', async () => {
    const { memory, loads, settle, at } = setup();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    loads[0]?.resolve(new Set());
    await settle();
    memory.listening(false);
    expect(memory.refuses('s', 'A', 1, 'k')).toBeUndefined();
    const askedWhileDeaf = memory.mark();
    memory.soldOut('s', 'A', 1, askedWhileDeaf, at());
    memory.listening(true);
    memory.soldOut('s', 'A', 1, askedWhileDeaf, at());
    expect(loads).toHaveLength(1);
  });

  it('does not remember a SKU whose keys could not be read, or are too many', async () => {
    const { memory, loads, failures, settle, advance, at } = setup();
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    loads[0]?.reject(new Error('postgres down'));
    memory.soldOut('s', 'B', 1, memory.mark(), at());
    loads[1]?.resolve(undefined);
    await settle();
    expect(failures).toHaveLength(1);
    expect(memory.size()).toBe(0);
    advance(1);
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    expect(loads).toHaveLength(3); // the next refusal tries again
  });

  it('is off with a TTL of 0', () => {
    const { memory, loads, at } = setup(0);
    memory.soldOut('s', 'A', 1, memory.mark(), at());
    expect(loads).toHaveLength(0);
  });
});
