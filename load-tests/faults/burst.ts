// The load of one run: a bounded burst of one-unit purchases through the
// ledger. Closed loop (at most `concurrency` buyers at once, paced to
// `ratePerSecond` starts), or open loop for the overload scenario.
import { setTimeout as sleep } from 'node:timers/promises';
import type { BurstSize } from './args.js';
import type { Ledger } from './ledger.js';

export type PickApi = (index: number, attempt: number) => string;

/** Runs `size.purchases` purchases; resolves when every one has a final answer or ran out of budget. */
export async function closedBurst(ledger: Ledger, size: BurstSize, pickApi: PickApi): Promise<void> {
  let next = 0;
  const started = Date.now();
  const buyer = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      if (index >= size.purchases) return;
      // Paced starts: purchase i starts no earlier than i / rate seconds in.
      const due = started + (index * 1000) / size.ratePerSecond;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      await ledger.purchase(index, (attempt) => pickApi(index, attempt));
    }
  };
  await Promise.all(Array.from({ length: size.concurrency }, buyer));
}

export interface OpenLoad {
  ratePerSecond: number;
  durationMs: number;
  /** Purchases in flight at most; an arrival beyond it is counted as dropped, not sent. */
  maxInFlight: number;
}

/**
 * Open model: purchases start on schedule whether or not earlier ones were
 * answered (what a flash sale's buyers do). Resolves when every started
 * purchase has ended; returns how many arrivals were dropped at the cap.
 */
export async function openBurst(ledger: Ledger, load: OpenLoad, pickApi: PickApi): Promise<{ started: number; dropped: number }> {
  const running = new Set<Promise<unknown>>();
  const started = Date.now();
  const total = Math.round((load.ratePerSecond * load.durationMs) / 1000);
  let dropped = 0;
  let index = 0;
  // 10 ms ticks: each starts the arrivals due by then, so the rate holds without a timer per purchase.
  while (index < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) * load.ratePerSecond) / 1000));
    for (; index < due; index++) {
      if (running.size >= load.maxInFlight) {
        dropped += 1;
        continue;
      }
      const i = index;
      const purchase = ledger.purchase(i, (attempt) => pickApi(i, attempt));
      running.add(purchase);
      void purchase.finally(() => running.delete(purchase));
    }
    await sleep(10);
  }
  await Promise.all(running);
  return { started: total - dropped, dropped };
}

/**
 * A short closed loop: final answers of the kinds counted, per second. On a
 * SKU that cannot sell out it counts sales (the overload scenario's 10×); on
 * a sold-out one, refusals (the most the API can answer at all).
 */
export async function measureCapacity(ledger: Ledger, concurrency: number, durationMs: number, pickApi: PickApi, counted: ReadonlyArray<string> = ['confirmed', 'accepted']): Promise<number> {
  const end = Date.now() + durationMs;
  let index = 0;
  const buyer = async (): Promise<void> => {
    while (Date.now() < end) {
      const i = index++;
      await ledger.purchase(i, (attempt) => pickApi(i, attempt));
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, buyer));
  const answered = ledger.records.filter((r) => r.final !== undefined && counted.includes(r.final.kind)).length;
  return answered / ((Date.now() - started) / 1000);
}
