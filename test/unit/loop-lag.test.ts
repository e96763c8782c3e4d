import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startLoopLag } from '../../services/api/loop-lag.js';

describe('startLoopLag', () => {
  it('reports a blocked loop as lateness, which fades once the loop keeps time again', async () => {
    const loop = startLoopLag(20);
    try {
      await sleep(100);
      expect(loop.lagMs()).toBeLessThan(100);
      // The loop held for 300 ms, as by a burst of requests: the next tick comes well over 150 ms late.
      const until = performance.now() + 300;
      while (performance.now() < until) {
        // busy
      }
      await sleep(30);
      expect(loop.lagMs()).toBeGreaterThan(150);
      // A fifth less per tick: after 600 ms of keeping time it is all but gone.
      await sleep(600);
      expect(loop.lagMs()).toBeLessThan(50);
    } finally {
      loop.stop();
    }
  });
});
