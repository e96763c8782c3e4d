import { boundWaits, copiedTotals, findSku, lockDecidedUnits } from '../../../db/queries/skus.js';
import { decidedCopiedKey, restockedCopiedKey, returnedUnitsKey, shardOf, soldOutFlagKey, stockKey } from '../../shared/redis-keys.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import type { MainRedis } from '../../shared/redis.js';
import { rebuildMissingCounter } from './counter-rebuild.js';
import { recordChange } from './reconciliation-log.js';
import type { StrategyDeps } from '../strategy.js';

type MirrorDeps = Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>;

// Per Redis connection (one per process and store): SKUs whose counter missed a copy.
const missed = new WeakMap<MainRedis, Set<string>>();

function missedOf(redis: MainRedis): Set<string> {
  let skus = missed.get(redis);
  if (skus === undefined) {
    skus = new Set();
    missed.set(redis, skus);
  }
  return skus;
}

/** Remembers that a SKU's Redis counter missed a copy (Redis down or the counter gone), for startMirrorRepair. */
export function counterMissedCopy(redis: MainRedis, sku: string): void {
  missedOf(redis).add(sku);
}

/**
 * Copies what PostgreSQL decided to the Redis counter, after the commit.
 * Every strategy keeps both stores in step so strategies can be mixed on one
 * SKU and the audit can compare each store with the orders. This is a second
 * write, not a transaction: if it fails the order stands (PostgreSQL is the
 * truth), the failure is counted, and the repair copies it later.
 *
 * What is sent is `decided`, the SKU's skus.decided_units as the sale's own
 * UPDATE left it, not the sale's change: the counter takes only what it lacks
 * (copy-decided-3.lua). Copies from several processes may cross, arrive late
 * or twice, and a lost one is made good by the next sale's copy or by the
 * repair reading the same column: nothing here waits for a quiet moment.
 *
 * Not awaited: the buyer's answer does not depend on it. Awaited, a paused
 * main Redis held every PostgreSQL-decided sale for the Redis command timeout.
 */
export function mirrorToRedis(deps: Pick<StrategyDeps, 'redis' | 'metrics' | 'log'>, strategy: string, sku: string, decided: number): void {
  copyDecided(deps, strategy, sku, decided).catch(() => undefined);
}

/**
 * mirrorToRedis, awaited: true when the counter took the total (or had it),
 * false when it has no counter or Redis failed (the SKU is then noted for the repair).
 */
export async function copyDecided(deps: Pick<StrategyDeps, 'redis' | 'metrics' | 'log'>, strategy: string, sku: string, decided: number): Promise<boolean> {
  try {
    const taken = await deps.redis.copyDecided(stockKey(sku), decidedCopiedKey(sku), soldOutFlagKey(sku), decided, 'up');
    if (taken === null) counterMissedCopy(deps.redis, sku);
    return taken !== null;
  } catch (error: unknown) {
    counterMissedCopy(deps.redis, sku);
    deps.metrics.stockMirrorFailures.inc({ strategy, store: 'redis' });
    deps.log.warn({ err: error, sku, decided, strategy }, 'stock change not copied to Redis');
    return false;
  }
}

/**
 * Copies a SKU's restocked_units to its counter (copy-added-4.lua, naming the
 * new units above the initial stock): the units added, or null when there is
 * no counter (its rebuild counts them).
 */
export function copyRestocks(redis: MainRedis, sku: string, restocked: number, initialStock: number): Promise<number | null> {
  return redis.copyAdded(stockKey(sku), restockedCopiedKey(sku), soldOutFlagKey(sku), returnedUnitsKey(sku), restocked, initialStock);
}

/**
 * Brings one SKU's counter to PostgreSQL's decided_units and restocked_units. Redis is read
 * before PostgreSQL: every copy but the queue worker's follows its commit, so
 * a count read first can be below the total read after (a sale in between:
 * copying the committed total is right whenever it lands) but above it only
 * by a copy of a sale not committed. That one is settled under a share lock
 * on the row, where no sale can commit a new total: whatever the counter has
 * above the total then is a sale that never committed, and goes back.
 */
async function repairSku(deps: MirrorDeps, sku: string): Promise<void> {
  const [decidedCount, restockedCount] = await deps.redis.mget(decidedCopiedKey(sku), restockedCopiedKey(sku));
  const had = Number(decidedCount ?? '0');
  const hadRestocked = Number(restockedCount ?? '0');
  const row = await findSku(deps.db, sku);
  if (row === undefined) return;
  // Restocks only add, and are copied after their commit: copying the total is right whenever it lands.
  if (row.restocked_units > hadRestocked) {
    const added = await copyRestocks(deps.redis, sku, row.restocked_units, row.initial_stock);
    if (added !== null && added > 0) await recordChange(deps, { sku, action: 'counter_resynced', units: added, detail: `Redis had ${hadRestocked} of restocked_units ${row.restocked_units}: added ${added}` });
  }
  if (row.decided_units === had && (await deps.redis.exists(stockKey(sku))) === 1) return;
  let taken: number | null;
  if (row.decided_units >= had) {
    taken = await deps.redis.copyDecided(stockKey(sku), decidedCopiedKey(sku), soldOutFlagKey(sku), row.decided_units, 'up');
  } else {
    taken = await deps.db.transaction().execute(async (trx) => {
      // A sale holds the row from its UPDATE to its commit: a share lock waits for it, bounded.
      await boundWaits(trx, { lockMs: 1_000, statementMs: 2_000 });
      const locked = await lockDecidedUnits(trx, sku);
      return locked === undefined ? 0 : deps.redis.copyDecided(stockKey(sku), decidedCopiedKey(sku), soldOutFlagKey(sku), locked, 'exact');
    });
  }
  if (taken === null) {
    // No counter at all (lost with Redis's data, or never set): the same rebuild a purchase would start.
    await rebuildMissingCounter(deps, sku);
  } else if (taken !== 0) {
    const what = taken > 0 ? `took ${taken} decided units no copy had brought` : `gave back ${-taken} units copied for a sale that never committed`;
    await recordChange(deps, { sku, action: 'counter_resynced', units: Math.abs(taken), detail: `Redis had ${had} of decided_units ${row.decided_units}: ${what}` });
  }
}

/** SKUs per round of the sweep: one PostgreSQL page, and one MGET per shard. */
export const sweepPage = 500;

/**
 * One page of every SKU a PostgreSQL-decided sale took from or a restock added to, in key order
 * (wrapping round): the SKUs whose counter's count differs from the total
 * are repaired. This finds what no process noted: a copy lost with its
 * process (kill -9 between the commit and the copy), or lost with a Redis
 * master that failed over before its replica had it.
 */
function createSweep(deps: MirrorDeps): () => Promise<number> {
  let after = '';
  return async () => {
    const page = await copiedTotals(deps.db, after, sweepPage);
    after = page.length < sweepPage ? '' : (page.at(-1)?.sku ?? '');
    const byShard = new Map<number, typeof page>();
    for (const row of page) {
      const rows = byShard.get(shardOf(row.sku));
      if (rows === undefined) byShard.set(shardOf(row.sku), [row]);
      else rows.push(row);
    }
    // A shard's keys share one slot: one MGET each, on a cluster too.
    for (const rows of byShard.values()) {
      const counts = await deps.redis.mget(...rows.flatMap((row) => [decidedCopiedKey(row.sku), restockedCopiedKey(row.sku)]));
      for (const [index, row] of rows.entries()) {
        const decided = Number(counts[2 * index] ?? '0');
        const restocked = Number(counts[2 * index + 1] ?? '0');
        if (decided !== row.decided_units || restocked !== row.restocked_units) await repairSku(deps, row.sku);
      }
    }
    return page.length;
  };
}

/**
 * Keeps the Redis counters in step with skus.decided_units and
 * skus.restocked_units (units given back by ended holds have their own copy:
 * reserve/hold-release.ts), in two ways:
 * - a SKU whose copy failed in this process (Redis down, or the counter
 *   gone) is repaired on the next round, and stays noted until that works;
 * - a sweep pages through every SKU with decided or restocked units, comparing totals.
 * Both can run at any moment, beside sales on the same SKU: a total copied
 * twice or late changes nothing. Never applied to redis-lua's own
 * deductions, which the counter decides: its sales copy nothing.
 */
export function startMirrorRepair(deps: MirrorDeps): PollLoop {
  const sweep = createSweep(deps);
  async function round(): Promise<number> {
    const noted = missedOf(deps.redis);
    for (const sku of [...noted]) {
      // Deleted first: a copy failing meanwhile notes it again. A failure here (Redis still down) ends the round.
      noted.delete(sku);
      try {
        await repairSku(deps, sku);
      } catch (error: unknown) {
        noted.add(sku);
        throw error;
      }
    }
    return sweep();
  }
  // A round is the noted SKUs and one sweep page, then a pause: the sweep reads at most
  // sweepPage SKUs a second in each process, whatever the catalogue holds. Going on at once
  // after a full page cost every API process 64 ms of CPU a second over 1,856 SKUs (two whole
  // passes a second), 1/40 of what it served during a sell-out, and grew with the catalogue.
  // A whole pass takes (SKUs with decided or restocked units) / 500 seconds: what no process
  // noted is found that late, while a copy that failed in a running process waits one round.
  return startPollLoop(round, { idleMs: 1000, failureMs: 1000, batchSize: Number.POSITIVE_INFINITY, log: deps.log, what: 'stock mirror repair' });
}
