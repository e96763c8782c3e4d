import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type Entry, SkuGate } from '../../services/strategies/common/sku-gate.js';

const far = (): number => Date.now() + 10_000;

function leave(entry: Entry): void {
  if (!entry.entered) throw new Error(`refused: ${entry.reason}`);
  entry.leave();
}

describe('SkuGate', () => {
  it('lets one in at a time, in arrival order, and SKUs do not wait for each other', async () => {
    const gate = new SkuGate({ concurrency: 1, maxWaiters: 10 });
    const order: number[] = [];
    const first = await gate.enter('a', far(), 100);
    expect(first).toMatchObject({ entered: true, waited: false });
    const waiting = [1, 2, 3].map((n) =>
      gate.enter('a', far(), 100).then((entry) => {
        order.push(n);
        return entry;
      }),
    );
    expect(await gate.enter('b', far(), 100)).toMatchObject({ entered: true, waited: false });
    await sleep(10);
    expect(order).toEqual([]);
    leave(first);
    for (const entry of waiting) leave(await entry);
    expect(order).toEqual([1, 2, 3]);
    expect(await waiting[0]).toMatchObject({ entered: true, waited: true });
  });

  it('refuses at once past the line bound', async () => {
    const gate = new SkuGate({ concurrency: 1, maxWaiters: 2 });
    const inside = await gate.enter('a', far(), 100);
    const waiting = [gate.enter('a', far(), 100), gate.enter('a', far(), 100)];
    const started = Date.now();
    expect(await gate.enter('a', far(), 100)).toMatchObject({ entered: false });
    expect(Date.now() - started).toBeLessThan(50);
    leave(inside);
    for (const entry of waiting) leave(await entry);
  });

  it('gives up a waiter at its deadline, and the line goes on without it', async () => {
    const gate = new SkuGate({ concurrency: 1, maxWaiters: 10 });
    const inside = await gate.enter('a', far(), 100);
    const started = Date.now();
    const late = await gate.enter('a', Date.now() + 100, 100);
    expect(late).toMatchObject({ entered: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    const next = gate.enter('a', far(), 100);
    leave(inside);
    expect(await next).toMatchObject({ entered: true });
    leave(await next);
  });

  it('answers at once a buyer whose turn would come too late, counting no more slow turns than units left', async () => {
    const gate = new SkuGate({ concurrency: 1, maxWaiters: 100 });
    // Turns of ~40 ms each teach the gate how long a turn takes.
    for (let i = 0; i < 3; i += 1) {
      const entry = await gate.enter('a', far(), 100);
      await sleep(40);
      leave(entry);
    }
    const inside = await gate.enter('a', far(), 100);
    const ahead = [gate.enter('a', far(), 100), gate.enter('a', far(), 100), gate.enter('a', far(), 100)];
    // 4 turns of ~40 ms ahead, 100 ms to wait: refused without waiting.
    const started = Date.now();
    const refused = await gate.enter('a', Date.now() + 100, 100);
    expect(refused).toMatchObject({ entered: false });
    if (!refused.entered) expect(refused.reason).toMatch(/expected in \d+ ms/);
    expect(Date.now() - started).toBeLessThan(50);
    // One unit left: at most one slow turn ahead, the rest are quick sold_outs; it may wait.
    const hopeful = gate.enter('a', Date.now() + 100, 1);
    leave(inside);
    for (const entry of ahead) leave(await entry);
    expect(await hopeful).toMatchObject({ entered: true });
    leave(await hopeful);
  });

  it('refuses no one on a single slow turn: the first of a burst is often slow', async () => {
    const gate = new SkuGate({ concurrency: 1, maxWaiters: 100 });
    const first = await gate.enter('a', far(), 100);
    const waiting = [1, 2, 3, 4, 5].map(() => gate.enter('a', Date.now() + 500, 100));
    await sleep(200);
    leave(first); // one turn of 200 ms: 5 more would take 1 s, past their 500 ms, if it were the pace
    for (const entry of waiting) {
      const admitted = await entry;
      expect(admitted).toMatchObject({ entered: true });
      leave(admitted);
    }
  });

  it('tells those already in line as soon as a turn ends and shows they cannot make it', async () => {
    const gate = new SkuGate({ concurrency: 1, maxWaiters: 100 });
    // Two turns of ~150 ms, with no one waiting: not yet enough to refuse anyone on.
    for (let i = 0; i < 2; i += 1) {
      const entry = await gate.enter('a', far(), 100);
      await sleep(150);
      leave(entry);
    }
    // The third turn starts with an empty line, so the line behind it fills unchecked.
    const started = Date.now();
    const inside = await gate.enter('a', far(), 100);
    const second = gate.enter('a', far(), 100);
    const hopeless = [1, 2, 3].map(() => gate.enter('a', started + 400, 100).then((entry) => ({ entry, ms: Date.now() - started })));
    await sleep(150);
    leave(inside); // the third turn: ~150 ms a turn, so one more plus their own cannot end within 400 ms
    for (const outcome of await Promise.all(hopeless)) {
      expect(outcome.entry).toMatchObject({ entered: false });
      expect(outcome.ms, 'refused when the pace showed it, not at the 400 ms deadline').toBeLessThan(300);
    }
    leave(await second);
  });

});
