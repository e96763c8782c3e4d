import { findSku } from '../../../db/queries/skus.js';
import { allShards, copiedSkusKey, shardOf, stockKey } from '../../shared/redis-keys.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import { type MainRedis, redisNowMs } from '../../shared/redis.js';
import { setCounter, unitsLeft } from './counter-rebuild.js';
import { recordChange } from './reconciliation-log.js';
import type { StrategyDeps } from '../strategy.js';

// Per Redis connection (one per process and store): SKUs whose counter missed
// a copy, with when it last failed, and copies still under way per SKU.
const missed = new WeakMap<MainRedis, Map<string, number>>();
const underWay = new WeakMap<MainRedis, Map<string, number>>();

function tableOf(tables: WeakMap<MainRedis, Map<string, number>>, redis: MainRedis): Map<string, number> {
  let table = tables.get(redis);
  if (table === undefined) {
    table = new Map();
    tables.set(redis, table);
  }
  return table;
}

/** Remembers that a SKU's Redis counter missed a copy (Redis down or the counter gone), for startMirrorRepair. */
export function counterMissedCopy(redis: MainRedis, sku: string): void {
  tableOf(missed, redis).set(sku, Date.now());
}

/**
 * Copies a stock change that PostgreSQL decided to the Redis counter, after
 * the commit. Every strategy keeps both stores in step so strategies can be
 * mixed on one SKU and the audit can compare each store with the orders.
 * This is a second write, not a transaction: if it fails the order stands
 * (PostgreSQL is the truth), the failure is counted, and the repair loop
 * sets the counter from the orders once Redis answers again.
 *
 * Not awaited: the buyer's answer does not depend on it. Awaited, a paused
 * main Redis held every PostgreSQL-decided sale for the Redis command timeout.
 */
export function mirrorToRedis(deps: Pick<StrategyDeps, 'redis' | 'metrics' | 'log'>, strategy: string, sku: string, delta: number): void {
  const copies = tableOf(underWay, deps.redis);
  copies.set(sku, (copies.get(sku) ?? 0) + 1);
  deps.redis
    .adjustStock(stockKey(sku), copiedSkusKey(shardOf(sku)), delta, sku)
    .then(
      (stock) => {
        if (stock === null) counterMissedCopy(deps.redis, sku);
      },
      (error: unknown) => {
        counterMissedCopy(deps.redis, sku);
        deps.metrics.stockMirrorFailures.inc({ strategy, store: 'redis' });
        deps.log.warn({ err: error, sku, delta, strategy }, 'stock change not copied to Redis');
      },
    )
    .finally(() => {
      const left = (copies.get(sku) ?? 1) - 1;
      if (left > 0) copies.set(sku, left);
      else copies.delete(sku);
    });
}

// A copy that failed may still be applied late (a paused Redis runs what it
// had received on resume), and a sale's copy follows its commit by a few
// milliseconds: a SKU is looked at once nothing was copied to it for this long.
const settleMs = 1000;

/** Sets a SKU's counter to what the orders say is left when it holds something else, and says so. */
async function resync(deps: Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>, sku: string, onlyIfDifferent: boolean): Promise<void> {
  const row = await findSku(deps.db, sku);
  if (row === undefined) return;
  const left = await unitsLeft(deps, sku, row.initial_stock);
  if (onlyIfDifferent && (await deps.redis.get(stockKey(sku))) === String(left.units)) return;
  const { previous } = await setCounter(deps, sku, left, true);
  if (previous !== String(left.units)) {
    await recordChange(deps, { sku, action: 'counter_resynced', units: left.units, detail: `Redis held ${previous === '' ? 'nothing' : previous}; ${left.why}` });
  }
}

/**
 * The SKUs nothing was copied to for settleMs, taken off their shard's list in
 * the same step (a later copy lists a SKU again). One read per shard; only a
 * shard with a SKU due pays for the transaction.
 */
async function quietSkus(redis: MainRedis): Promise<string[]> {
  const cutoff = (await redisNowMs(redis)) - settleMs;
  const due = await Promise.all(allShards.map((shard) => redis.zrangebyscore(copiedSkusKey(shard), '-inf', cutoff, 'LIMIT', 0, 1)));
  const skus: string[] = [];
  for (const shard of allShards.filter((_, index) => (due[index]?.length ?? 0) > 0)) {
    // One transaction on the shard's slot: a copy stamped after the cutoff keeps its SKU listed.
    const replies = await redis.multi().zrangebyscore(copiedSkusKey(shard), '-inf', cutoff).zremrangebyscore(copiedSkusKey(shard), '-inf', cutoff).exec();
    const listed = replies?.[0]?.[1];
    if (Array.isArray(listed)) skus.push(...listed.filter((sku): sku is string => typeof sku === 'string'));
  }
  return skus;
}

/**
 * Keeps the Redis counters of PostgreSQL-decided SKUs in step with the
 * orders, in two ways (units given back by ended holds have their own,
 * exact repair: reserve/release-repair.ts):
 * - a SKU whose copy failed in this process (Redis down, or the counter gone)
 *   is set from the orders once Redis answers, 1 s after the last failure and
 *   with no copy of this process under way;
 * - every SKU copied to (any process) is checked once its copies stop for
 *   1 s, and set from the orders if it differs: a sale's copy lost with its
 *   process (kill -9 between the commit and the copy) leaves no other trace.
 * A sale's copy from another process can still cross a repair: the audit
 * shows it, and the next quiet check sets it right. Never applied to
 * redis-lua's counter, which decides: its sales copy nothing.
 */
export function startMirrorRepair(deps: Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>): PollLoop {
  async function round(): Promise<number> {
    const table = tableOf(missed, deps.redis);
    const copies = tableOf(underWay, deps.redis);
    let looked = 0;
    for (const [sku, failedAt] of [...table]) {
      if (Date.now() - failedAt < settleMs || copies.has(sku)) continue;
      await resync(deps, sku, false);
      // Only now: a failure above (Redis still down) keeps the SKU for the next round.
      if (table.get(sku) === failedAt) table.delete(sku);
      looked += 1;
    }
    for (const sku of await quietSkus(deps.redis)) {
      if (!copies.has(sku)) await resync(deps, sku, true);
      looked += 1;
    }
    return looked;
  }
  // batchSize Infinity: a round takes every SKU that is due, then pauses.
  return startPollLoop(round, { idleMs: 500, failureMs: 1000, batchSize: Number.POSITIVE_INFINITY, log: deps.log, what: 'stock mirror repair' });
}
