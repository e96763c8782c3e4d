import { setTimeout as sleep } from 'node:timers/promises';

export interface Backoff {
  baseMs: number;
  capMs: number;
}

export const singleNodeBackoff: Backoff = {
  // First retry within ~2 ms: one SKU's lock is held a few ms when idle
  // (tens of ms in a 300-buyer burst on 2 cores), so early tries are cheap bets.
  baseMs: 2,
  // At most 50 ms between tries: 250 waiters polling every ~25 ms on average
  // still find a released lock within ~0.1 ms, at ~10k tries/s, which one
  // Node process sends without starving the holder of CPU.
  capMs: 50,
};

/**
 * "Full jitter" exponential backoff: a random delay in [0, min(cap, base·2^attempt)).
 * The randomness spreads waiters out, so they do not all retry in the same
 * instant the lock is released (a thundering herd that only one can win).
 */
export function jitteredDelayMs(attempt: number, backoff: Backoff): number {
  return Math.random() * Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
}

/**
 * Calls `attempt` until it returns a value or `deadline` (epoch ms) passes,
 * sleeping a jittered backoff between calls; the last call is made at the
 * deadline. Undefined when every call came back empty-handed, or as soon as
 * `stop` says waiting is pointless.
 */
export async function retryUntil<T>(deadline: number, backoff: Backoff, attempt: () => Promise<T | undefined>, stop?: () => boolean): Promise<T | undefined> {
  for (let tries = 0; ; tries += 1) {
    const result = await attempt();
    if (result !== undefined) return result;
    const remaining = deadline - Date.now();
    if (remaining <= 0 || stop?.() === true) return undefined;
    await sleep(Math.min(jitteredDelayMs(tries, backoff), remaining));
  }
}
