import { setTimeout as sleep } from 'node:timers/promises';

export interface TokenBucket {
  /** Resolves when one more unit of work may start. */
  take(): Promise<void>;
}

/**
 * A token bucket written as GCRA (one timestamp instead of a token count):
 * each take() reserves the next slot synchronously, so concurrent partitions
 * share one budget without a lock, and waits until that slot is due.
 * `burst` slots may run back to back after a quiet spell; beyond that the
 * pace is exactly `ratePerSecond`.
 */
export function createTokenBucket(ratePerSecond: number, burst: number): TokenBucket {
  const intervalMs = 1000 / ratePerSecond;
  const burstMs = Math.max(0, burst - 1) * intervalMs;
  // Theoretical arrival time: when the next slot would be due at the steady pace.
  let nextDueMs = 0;
  return {
    async take() {
      const now = performance.now();
      const due = Math.max(nextDueMs, now);
      nextDueMs = due + intervalMs;
      const waitMs = due - burstMs - now;
      if (waitMs > 0) await sleep(waitMs);
    },
  };
}
