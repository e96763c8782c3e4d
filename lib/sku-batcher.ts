import { outsideDeadline } from './deadline.js';

/**
 * Decides a batch of items that share a key; one result per item, in the
 * order given. Throwing fails exactly that batch.
 */
export type FlushBatch<Item, Result> = (key: string, items: readonly Item[]) => Promise<readonly Result[]>;

export interface KeyedBatcherOptions<Item, Result> {
  /** How long the first item of an idle key waits for others to join it. */
  windowMs: number;
  /** A batch never holds more than this; reaching it flushes without waiting. */
  maxSize: number;
  flush: FlushBatch<Item, Result>;
}

export interface KeyedBatcher<Item, Result> {
  /** Queues an item under its key; settles with that item's own result, or rejects with its batch's error. */
  submit: (key: string, item: Item) => Promise<Result>;
  /** Keys with items queued or a flush running; idle keys are forgotten. */
  activeKeys: () => number;
}

interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

interface KeyQueue<Item, Result> {
  waiting: Waiting<Item, Result>[];
  /** Cancels the pending window; undefined when none is pending. */
  cancelWindow: (() => void) | undefined;
  flushing: boolean;
}

/**
 * Group commit per key, with no storage of its own. The state of a key lives
 * only while it has items queued or a flush running, then its entry is
 * deleted: a sale touches many SKUs over a day and the map must not keep them.
 */
export function createKeyedBatcher<Item, Result>(options: KeyedBatcherOptions<Item, Result>): KeyedBatcher<Item, Result> {
  const { windowMs, maxSize, flush } = options;
  if (!Number.isInteger(maxSize) || maxSize < 1) throw new RangeError(`maxSize must be a positive integer, got ${maxSize}`);
  if (!(windowMs >= 0)) throw new RangeError(`windowMs must be >= 0, got ${windowMs}`);
  const queues = new Map<string, KeyQueue<Item, Result>>();

  async function runFlush(key: string, queue: KeyQueue<Item, Result>): Promise<void> {
    queue.cancelWindow?.();
    queue.cancelWindow = undefined;
    queue.flushing = true;
    const batch = queue.waiting.splice(0, maxSize);
    try {
      const results = await outsideDeadline(() => flush(key, batch.map((entry) => entry.item)));
      if (results.length !== batch.length) throw new Error(`flush of ${key} answered ${results.length} results for ${batch.length} items`);
      results.forEach((result, index) => batch[index]?.resolve(result));
    } catch (error: unknown) {
      for (const entry of batch) entry.reject(error);
    } finally {
      queue.flushing = false;
    }
    if (queue.waiting.length > 0) {
      // No second window: these items already waited for the whole previous
      // flush (a transaction and its commit, longer than the window), and the
      // ones that come during the next flush will join the batch after it.
      // Waiting again would only add latency, not commits saved.
      void runFlush(key, queue);
    } else {
      queues.delete(key);
    }
  }

  function submit(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      let queue = queues.get(key);
      if (queue === undefined) {
        queue = { waiting: [], cancelWindow: undefined, flushing: false };
        queues.set(key, queue);
      }
      queue.waiting.push({ item, resolve, reject });
      // One flush in flight per key: while one runs, arrivals only queue. A
      // second concurrent flush would just wait on the same row lock in
      // PostgreSQL while holding a pooled connection; queued here, they are
      // decided together by the next flush instead.
      if (queue.flushing) return;
      if (queue.waiting.length >= maxSize) {
        void runFlush(key, queue);
      } else if (queue.cancelWindow === undefined) {
        // The window: a lone buyer on an idle key pays it once so that the
        // buyers right behind it share its transaction and its commit.
        const current = queue;
        // A window of 0 still gathers what arrived in the same turn of the event loop (setImmediate runs
        // after the pending I/O callbacks), without the ~1 ms floor of a 0 ms setTimeout.
        if (windowMs === 0) {
          const immediate = setImmediate(() => void runFlush(key, current));
          current.cancelWindow = () => clearImmediate(immediate);
        } else {
          const timer = setTimeout(() => void runFlush(key, current), windowMs);
          current.cancelWindow = () => clearTimeout(timer);
        }
      }
    });
  }

  return { submit, activeKeys: () => queues.size };
}
