import { setTimeout as sleep } from 'node:timers/promises';
import type { Log } from './log.js';

export interface PollLoop {
  /** Ends the loop after the round in hand. */
  stop(): Promise<void>;
}

export interface PollLoopOptions {
  /** Pause after a round that found less than a full batch. */
  idleMs: number;
  /** Pause after a failed round (a store down): recovers soon after it is back, without spinning. */
  failureMs: number;
  /** A round that did this many items may have left more: go again at once. */
  batchSize: number;
  log: Log;
  /** Names the loop in its warning. */
  what: string;
}

/** Runs `round` until stopped: at once after a full batch, after idleMs otherwise. */
export function startPollLoop(round: () => Promise<number>, options: PollLoopOptions): PollLoop {
  const stopping = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const done = await round();
        if (done < options.batchSize) await pause(options.idleMs);
      } catch (error: unknown) {
        options.log.warn({ err: error }, `${options.what} round failed; retrying`);
        await pause(options.failureMs);
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
