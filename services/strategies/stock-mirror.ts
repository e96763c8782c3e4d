import type { Redis } from 'ioredis';
import { findSku } from '../../db/queries/skus.js';
import { returnedUnitsKey, stockKey } from '../shared/redis-keys.js';
import { type PollLoop, startPollLoop } from '../shared/poll-loop.js';
import { unitsLeft } from './counter-rebuild.js';
import { recordChange } from './reconciliation-log.js';
import type { StrategyDeps } from './strategy.js';

// Per Redis connection (one per process and store): SKUs whose counter missed
// a copy, with when it last failed, and copies still under way per SKU.
const missed = new WeakMap<Redis, Map<string, number>>();
const underWay = new WeakMap<Redis, Map<string, number>>();

function tableOf(tables: WeakMap<Redis, Map<string, number>>, redis: Redis): Map<string, number> {
  let table = tables.get(redis);
  if (table === undefined) {
    table = new Map();
    tables.set(redis, table);
  }
  return table;
}

/** Remembers that a SKU's Redis counter missed a copy (Redis down or the counter gone), for startMirrorRepair. */
export function counterMissedCopy(redis: Redis, sku: string): void {
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
export function mirrorToRedis(deps: StrategyDeps, strategy: string, sku: string, delta: number): void {
  const copies = tableOf(underWay, deps.redis);
  copies.set(sku, (copies.get(sku) ?? 0) + 1);
  deps.redis
    .adjustStock(stockKey(sku), delta)
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
// had received on resume): wait this long after the last failure.
const settleMs = 1000;

/**
 * Sets the Redis counter of each SKU that missed a copy to what the orders
 * say is left, once Redis answers and no copy of this process is under way
 * for it (the new value then includes every sale this process has copied or
 * will copy after it). A copy from another process can still cross it: the
 * audit would show it, and this loop only repairs what this process missed.
 * Never used for redis-lua's counter, which decides: its SKUs never miss a copy.
 */
export function startMirrorRepair(deps: Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>): PollLoop {
  async function round(): Promise<number> {
    const table = tableOf(missed, deps.redis);
    const copies = tableOf(underWay, deps.redis);
    let repaired = 0;
    for (const [sku, failedAt] of [...table]) {
      if (Date.now() - failedAt < settleMs || copies.has(sku)) continue;
      const row = await findSku(deps.db, sku);
      if (row !== undefined) {
        const left = await unitsLeft(deps, sku, row.initial_stock);
        const [, previous] = await deps.redis.rebuildCounter(stockKey(sku), returnedUnitsKey(sku), left.units, '1');
        if (String(previous) !== String(left.units)) {
          await recordChange(deps, { sku, action: 'counter_resynced', units: left.units, detail: `Redis held ${previous === '' ? 'nothing' : String(previous)}; ${left.why}` });
        }
      }
      // Only now: a failure above (Redis still down) keeps the SKU for the next round.
      if (table.get(sku) === failedAt) table.delete(sku);
      repaired += 1;
    }
    return repaired;
  }
  // batchSize Infinity: every round already walks the whole table; pause between rounds.
  return startPollLoop(round, { idleMs: 500, failureMs: 1000, batchSize: Number.POSITIVE_INFINITY, log: deps.log, what: 'stock mirror repair' });
}
