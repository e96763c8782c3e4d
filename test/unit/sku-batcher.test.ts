import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createKeyedBatcher } from '../../lib/sku-batcher.js';

// Only the timers the batcher uses are faked; setImmediate stays real so a
// test can let every pending promise run without moving the clock.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const promisesRun = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve: (value: T) => void = () => undefined;
  let reject: (error: unknown) => void = () => undefined;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A flush that answers `key:item` for each item at once, and records every batch it saw. */
function echoFlush() {
  const batches: { key: string; items: number[] }[] = [];
  const flush = async (key: string, items: readonly number[]): Promise<string[]> => {
    batches.push({ key, items: [...items] });
    return items.map((item) => `${key}:${item}`);
  };
  return { batches, flush };
}

/** A flush whose every call waits until the test settles it. */
function heldFlush() {
  const calls: { key: string; items: number[]; answer: Deferred<string[]> }[] = [];
  const flush = (key: string, items: readonly number[]): Promise<string[]> => {
    const answer = deferred<string[]>();
    calls.push({ key, items: [...items], answer });
    return answer.promise;
  };
  return { calls, flush };
}

describe('createKeyedBatcher', () => {
  it('flushes as soon as maxSize items are queued, without waiting for the window', async () => {
    const { batches, flush } = echoFlush();
    const batcher = createKeyedBatcher({ windowMs: 60_000, maxSize: 3, flush });
    const results = [1, 2, 3].map((item) => batcher.submit('a', item));
    await promisesRun();
    expect(batches).toEqual([{ key: 'a', items: [1, 2, 3] }]);
    expect(await Promise.all(results)).toEqual(['a:1', 'a:2', 'a:3']);
  });

  it('flushes fewer than maxSize items when the window after the first one ends', async () => {
    const { batches, flush } = echoFlush();
    const batcher = createKeyedBatcher({ windowMs: 10, maxSize: 100, flush });
    const first = batcher.submit('a', 1);
    await vi.advanceTimersByTimeAsync(6);
    const second = batcher.submit('a', 2);
    // The window counts from the first item: a later one does not extend it.
    await vi.advanceTimersByTimeAsync(3);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([{ key: 'a', items: [1, 2] }]);
    expect(await Promise.all([first, second])).toEqual(['a:1', 'a:2']);
  });

  it('runs one flush per key at a time; arrivals meanwhile form the next batch, flushed as soon as the first ends', async () => {
    const { calls, flush } = heldFlush();
    const batcher = createKeyedBatcher({ windowMs: 5, maxSize: 2, flush });
    const first = batcher.submit('a', 1);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls.map((call) => call.items)).toEqual([[1]]);

    // Five arrive while the first flush runs: more than maxSize, and far past the window.
    const later = [2, 3, 4, 5, 6].map((item) => batcher.submit('a', item));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(1);

    // The next batch starts when the previous one ends, with no new window.
    calls[0]?.answer.resolve(['r1']);
    await promisesRun();
    expect(await first).toBe('r1');
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3]]);
    calls[1]?.answer.resolve(['r2', 'r3']);
    await promisesRun();
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3], [4, 5]]);
    calls[2]?.answer.resolve(['r4', 'r5']);
    await promisesRun();
    calls[3]?.answer.resolve(['r6']);
    expect(await Promise.all(later)).toEqual(['r2', 'r3', 'r4', 'r5', 'r6']);
    expect(calls.map((call) => call.items)).toEqual([[1], [2, 3], [4, 5], [6]]);
  });

  it('flushes different keys independently', async () => {
    const { calls, flush } = heldFlush();
    const batcher = createKeyedBatcher({ windowMs: 5, maxSize: 10, flush });
    void batcher.submit('a', 1);
    const b = batcher.submit('b', 2);
    await vi.advanceTimersByTimeAsync(5);
    // Key a's flush is still running; key b's is not held behind it.
    expect(calls.map((call) => [call.key, call.items])).toEqual([['a', [1]], ['b', [2]]]);
    calls[1]?.answer.resolve(['b2']);
    expect(await b).toBe('b2');
    calls[0]?.answer.resolve(['a1']);
  });

  it('rejects exactly the promises of a batch whose flush fails', async () => {
    const { calls, flush } = heldFlush();
    const batcher = createKeyedBatcher({ windowMs: 5, maxSize: 10, flush });
    const failing = [batcher.submit('a', 1), batcher.submit('a', 2)].map((p) => p.then(() => 'resolved', (error: unknown) => error));
    await vi.advanceTimersByTimeAsync(5);
    const next = batcher.submit('a', 3);
    const other = batcher.submit('b', 4);
    await vi.advanceTimersByTimeAsync(5);

    const failure = new Error('connection terminated');
    calls[0]?.answer.reject(failure);
    expect(await Promise.all(failing)).toEqual([failure, failure]);
    await promisesRun();
    // The batch queued behind the failed one, and another key, go on as usual.
    const byKey = new Map(calls.map((call) => [`${call.key}:${call.items.join(',')}`, call.answer]));
    byKey.get('b:4')?.resolve(['b4']);
    byKey.get('a:3')?.resolve(['a3']);
    expect(await Promise.all([next, other])).toEqual(['a3', 'b4']);
  });

  it('rejects the batch when the flush answers a different number of results than items', async () => {
    const batcher = createKeyedBatcher({ windowMs: 0, maxSize: 10, flush: async () => ['only one'] });
    const results = Promise.allSettled([batcher.submit('a', 1), batcher.submit('a', 2)]);
    await vi.advanceTimersByTimeAsync(0);
    const settled = await results;
    expect(settled.map((result) => result.status)).toEqual(['rejected', 'rejected']);
    for (const result of settled) expect(result.status === 'rejected' && String(result.reason)).toMatch(/1 results for 2 items/);
  });

  it('forgets a key once it has nothing queued and no flush running', async () => {
    const { calls, flush } = heldFlush();
    const batcher = createKeyedBatcher({ windowMs: 5, maxSize: 10, flush });
    expect(batcher.activeKeys()).toBe(0);
    const a = batcher.submit('a', 1);
    const b = batcher.submit('b', 2);
    expect(batcher.activeKeys()).toBe(2);
    await vi.advanceTimersByTimeAsync(5);
    // Flushing still counts as active: arrivals must find the flush in flight.
    expect(batcher.activeKeys()).toBe(2);
    calls[0]?.answer.resolve(['a1']);
    await a;
    await promisesRun();
    expect(batcher.activeKeys()).toBe(1);
    calls[1]?.answer.reject(new Error('down'));
    await expect(b).rejects.toThrow('down');
    await promisesRun();
    expect(batcher.activeKeys()).toBe(0);

    // A forgotten key starts over with a fresh window.
    const again = batcher.submit('a', 3);
    expect(batcher.activeKeys()).toBe(1);
    await vi.advanceTimersByTimeAsync(5);
    calls[2]?.answer.resolve(['a3']);
    expect(await again).toBe('a3');
    await promisesRun();
    expect(batcher.activeKeys()).toBe(0);
  });

  it('refuses settings that could never flush', () => {
    const { flush } = echoFlush();
    expect(() => createKeyedBatcher({ windowMs: 1, maxSize: 0, flush })).toThrow(RangeError);
    expect(() => createKeyedBatcher({ windowMs: -1, maxSize: 1, flush })).toThrow(RangeError);
  });
});
