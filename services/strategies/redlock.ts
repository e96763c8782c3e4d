import { nextFenceToken } from '../../db/queries/fencing.js';
import { readStock } from '../../db/queries/skus.js';
import { defineLockScripts, redlockKey } from './locks/lock-scripts.js';
import { purchaseUnderLock } from './locks/locked-purchase.js';
import { StockSightings } from './locks/stock-sightings.js';
import { acquireRedlock } from './locks/redlock.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'redlock';

/**
 * The redis-lock recipe over a quorum of independent Redis servers (Redlock),
 * so the lock survives the loss of a minority of them: held only with a
 * majority of nodes and while time is left on the lease; extended on a
 * majority by the watchdog, else lost and the holder stops before committing.
 * With a majority down, no lock can be had: buyers get 503 after LOCK_WAIT_MS,
 * never an order taken without the lock.
 * Fencing tokens come from PostgreSQL, not Redis: Redlock has no single
 * counter that all nodes agree on (a per-node INCR differs across nodes and
 * restarts), so on its own it cannot produce fencing tokens, the core of
 * Kleppmann's critique ("How to do distributed locking", 2016). A sequence in
 * the very store that checks the tokens is monotonic by construction.
 * Like redis-lock, safe only if every writer of the SKU goes through this lock.
 */
export function createRedlock(deps: StrategyDeps): Strategy {
  for (const node of deps.redisNodes) defineLockScripts(node);
  const timing = {
    leaseMs: deps.config.LOCK_TTL_MS,
    waitMs: deps.config.LOCK_WAIT_MS,
    nodeTimeoutMs: deps.config.REDLOCK_NODE_TIMEOUT_MS,
  };
  const sightings = new StockSightings();
  return {
    name,
    description: 'Redlock over every Redis server (majority, bounded per-node waits, watchdog), fencing tokens from a PostgreSQL sequence.',
    async: false,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      const arrived = Date.now();
      // Fast path without the lock: stock that was short at some moment during
      // this request is a true sold_out answer. The authoritative check is under the lock.
      const seen = await readStock(deps.db, request.sku);
      if (seen === undefined) return { kind: 'unknown_sku' };
      if (seen.stock < request.quantity) return { kind: 'sold_out' };

      // A holder in this process saw the stock run out after we arrived: stop waiting (see StockSightings).
      const stop = (): boolean => sightings.soldOutSince(request.sku, request.quantity, arrived);
      const lease = await acquireRedlock(deps.redisNodes, redlockKey(request.sku), { ...timing, stop }, deps.log);
      if (lease === undefined) {
        if (stop()) return { kind: 'sold_out' };
        deps.metrics.locks.inc({ strategy: name, result: 'timeout' });
        return { kind: 'contended', reason: `no Redis majority within ${timing.waitMs} ms` };
      }
      deps.metrics.locks.inc({ strategy: name, result: 'acquired' });
      const lock = {
        signal: lease.signal,
        isHeld: () => lease.isHeld(),
        // Drawn after the lock is held, so a later holder always draws a larger number.
        token: nextFenceToken,
        release: () => lease.release(),
      };
      return purchaseUnderLock(deps, name, request, lock, sightings);
    },
  };
}
