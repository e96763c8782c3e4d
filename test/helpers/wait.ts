import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Reads until `done` holds and returns that value; throws after `timeoutMs`
 * with the last value read, so a test fails on a condition that never came
 * rather than passing on a fixed sleep that happened to be long enough.
 */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 8000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}
