import { expireDueHolds, skusWithDueHolds } from '../../../db/queries/holds.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import { afterRelease } from './hold-release.js';
import type { WorkerDeps } from '../strategy.js';

// Holds released per statement: one short transaction even when a whole
// sale's holds lapse at once; a SKU that had more is swept again next round.
const holdsPerStatement = 500;
// SKUs swept at once, each its own statement and connection (of PG_POOL_MAX,
// 20, shared with the applier and the relay). A SKU whose row is held for a
// while keeps one of these busy; the others go on sweeping every round.
const skusAtOnce = 4;

/**
 * Releases holds (strategy reserve) past their end. PostgreSQL decides which
 * (see db/queries/holds.ts): the sweeper only asks it, every HOLD_SWEEP_MS,
 * one statement per SKU. A SKU's sweep still running at the next round (its
 * row held by another transaction) is not waited for and not started twice:
 * the round sweeps the other due SKUs. So a lapsed hold is back on sale
 * within HOLD_SWEEP_MS plus its own SKU's statement, whatever other SKUs do,
 * and a worker killed mid-statement loses nothing (the statement rolls back
 * and its holds stay due, or it commits and its copy to Redis is left to the
 * mirror repair, hold-release.ts).
 */
export function startHoldSweeper(deps: WorkerDeps): PollLoop {
  const sweeping = new Map<string, Promise<void>>();

  async function sweep(sku: string): Promise<void> {
    const released = await expireDueHolds(deps.db, sku, holdsPerStatement);
    if (released.length === 0) return;
    // Awaited: this SKU's next sweep waits for its copy, never a pile of them.
    await afterRelease(deps, released);
    deps.metrics.holdsReleased.inc(released.reduce((sum, { units }) => sum + units, 0));
    deps.log.info({ released }, 'lapsed holds released');
  }

  async function round(): Promise<number> {
    if (sweeping.size >= skusAtOnce) return 0;
    // Asks for more than the free slots: the SKUs already being swept are among the answer.
    const due = await skusWithDueHolds(deps.db, skusAtOnce * 2);
    let started = 0;
    for (const sku of due) {
      if (sweeping.size >= skusAtOnce) break;
      if (sweeping.has(sku)) continue;
      const running = sweep(sku)
        // A statement timeout or a store down: the holds stay due for a later round.
        .catch((error: unknown) => deps.log.warn({ err: error, sku }, 'lapsed holds of a SKU not released; the next round tries again'))
        .finally(() => sweeping.delete(sku));
      sweeping.set(sku, running);
      started += 1;
    }
    return started;
  }

  // batchSize Infinity: a round starts what is due, then pauses HOLD_SWEEP_MS.
  const loop = startPollLoop(round, { idleMs: deps.config.HOLD_SWEEP_MS, failureMs: 1000, batchSize: Number.POSITIVE_INFINITY, log: deps.log, what: 'hold sweeper' });
  return {
    async stop() {
      await loop.stop();
      await Promise.all(sweeping.values());
    },
  };
}
