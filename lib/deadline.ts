import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The moment a purchase's waits must end (epoch ms), carried to every wait it
 * meets on the way (a pooled connection, its turn, a lock, a row lock)
 * without threading it through each call. Why one deadline rather than one
 * budget per wait: budgets add up. A buyer that waited 800 ms for a
 * connection, then 800 ms for a row lock, answered 503 after 1.6 s.
 */
const current = new AsyncLocalStorage<number>();

export function runWithDeadline<T>(at: number, work: () => Promise<T>): Promise<T> {
  return current.run(at, work);
}

/** Milliseconds left before the current purchase's deadline; undefined outside a purchase. */
export function msLeft(): number | undefined {
  const at = current.getStore();
  return at === undefined ? undefined : at - Date.now();
}

/**
 * Runs work shared by several purchases (a batch that one buyer's timer
 * started) outside that buyer's deadline: the others have their own, and
 * the batch must not fail for all because the first one's ran out.
 */
export function outsideDeadline<T>(work: () => T): T {
  return current.exit(work);
}

/**
 * When a wait that may last up to `ms` must end (epoch ms): `ms` from now,
 * or the current purchase's deadline if that comes first. Every wait a
 * purchase meets takes its end from here, so none outlives the purchase.
 */
export function deadlineIn(ms: number): number {
  return Date.now() + Math.min(ms, msLeft() ?? Number.POSITIVE_INFINITY);
}

/**
 * `work`'s result, or `late()` once the current purchase's deadline passes,
 * whichever comes first; `work` itself runs on (whatever it settles is
 * settled whenever it does). Outside a purchase, `work` alone.
 */
export function settleByDeadline<T>(work: Promise<T>, late: () => T): Promise<T> {
  const left = msLeft();
  if (left === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(late()), Math.max(0, left));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
