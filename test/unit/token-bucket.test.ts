import { describe, expect, it } from 'vitest';
import { type Clock, createTokenBucket } from '../../lib/token-bucket.js';

/** A clock that only moves when someone sleeps, and remembers every wait. */
function fakeClock(): Clock & { waits: number[]; advance(ms: number): void } {
  let now = 1_000;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    sleep: async (ms) => {
      waits.push(ms);
      now += ms;
    },
  };
}

describe('token bucket (GCRA)', () => {
  it('lets a burst through at once, then paces at the rate', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket(100, 5, clock); // a slot every 10 ms, 5 back to back
    for (let i = 0; i < 5; i++) await bucket.take();
    expect(clock.waits).toEqual([]);
    await bucket.take();
    await bucket.take();
    expect(clock.waits).toEqual([10, 10]);
  });

  it('a take of several waits until the last of them is due', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket(100, 1, clock);
    await bucket.take(10); // slots at 0..90 ms: waits for the tenth
    expect(clock.waits).toEqual([90]);
  });

  it('refills while idle, but never beyond the burst', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket(100, 3, clock);
    await bucket.take(3);
    clock.advance(10_000); // a long quiet spell
    await bucket.take(3);
    expect(clock.waits).toEqual([]);
    await bucket.take();
    expect(clock.waits).toEqual([10]);
  });

  it('shares one budget between concurrent takers', async () => {
    const clock = fakeClock();
    const bucket = createTokenBucket(100, 1, clock);
    // Reserved synchronously, in call order: the second's slots come after the
    // first's, so it ends when the tenth slot is due, 90 ms after the start.
    await Promise.all([bucket.take(5), bucket.take(5)]);
    expect(clock.waits[0]).toBe(40);
    expect(clock.now()).toBe(1_000 + 90);
  });
});
