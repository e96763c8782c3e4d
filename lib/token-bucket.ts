import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucket {
  /** Resolves when `count` more units of work may start (the last of them is due). */
  take(count?: number): Promise<void>;
}

/**
 * A token bucket written as GCRA (one timestamp instead of a token count):
 * each take() reserves its slots synchronously, so concurrent partitions
 * share one budget without a lock, and waits until the last of them is due.
 * `burst` slots may run back to back after a quiet spell; beyond that the
 * pace is exactly `ratePerSecond`. The clock is a parameter so a test can
 * check the pace without timing anything.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<unknown>;
}

const realClock: Clock = { now: () => performance.now(), sleep: (ms) => sleep(ms) };

export function createTokenBucket(ratePerSecond: number, burst: number, clock: Clock = realClock): TokenBucket {
  const intervalMs = 1000 / ratePerSecond;
  const burstMs = Math.max(0, burst - 1) * intervalMs;
  // Theoretical arrival time: when the next slot would be due at the steady pace.
  let nextDueMs = 0;
  return {
    async take(count = 1) {
      const now = clock.now();
      const first = Math.max(nextDueMs, now);
      nextDueMs = first + count * intervalMs;
      const waitMs = first + (count - 1) * intervalMs - burstMs - now;
      if (waitMs > 0) await clock.sleep(waitMs);
    },
  };
}
