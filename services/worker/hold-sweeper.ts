import { expireDueHolds, skusWithDueHolds } from '../../db/queries/holds.js';
import { copiedSkusKey, stockKey } from '../shared/redis-keys.js';
import { type PollLoop, startPollLoop } from '../shared/poll-loop.js';
import { afterRelease } from '../strategies/hold-release.js';
import type { WorkerDeps } from './deps.js';

// Holds released per statement: a round is one short transaction even when a
// whole sale's holds lapse at once, and a full round goes again at once.
const holdsPerRound = 500;

/**
 * Releases holds (strategy reserve) past their end. PostgreSQL decides which
 * (see db/queries/holds.ts): the sweeper only asks it, every HOLD_SWEEP_MS,
 * so a lapsed hold is back on sale within that period, and a worker killed
 * mid-round loses nothing (its transaction rolls back; the holds stay due).
 */
export function startHoldSweeper(deps: WorkerDeps): PollLoop {
  async function round(): Promise<number> {
    const { skus: due, cutoff } = await skusWithDueHolds(deps.db);
    if (due.length === 0) return 0;
    // A change of nothing, copied first: it notes each SKU for the mirror
    // repair's quiet check (stock-mirror.ts), so a worker killed between the
    // release's commit and its copy to Redis leaves the counter to be set
    // from the orders 1 s later, not low for good. Settled, not awaited for
    // success: holds end on PostgreSQL's word with Redis down too (the copy
    // then fails and the repair sets the counter once Redis is back).
    await Promise.allSettled(due.map((sku) => deps.redis.adjustStock(stockKey(sku), copiedSkusKey, 0, sku)));
    // Only holds due by the read above: one that ended since was not noted for the repair.
    const released = await expireDueHolds(deps.db, holdsPerRound, cutoff);
    if (released.length === 0) return 0;
    afterRelease(deps, released);
    deps.metrics.holdsReleased.inc(released.reduce((sum, { units }) => sum + units, 0));
    deps.log.info({ released }, 'lapsed holds released');
    return released.reduce((sum, { holds }) => sum + holds, 0);
  }
  return startPollLoop(round, { idleMs: deps.config.HOLD_SWEEP_MS, failureMs: 1000, batchSize: holdsPerRound, log: deps.log, what: 'hold sweeper' });
}
