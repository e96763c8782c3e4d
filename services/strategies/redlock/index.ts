import { nextFenceToken } from '../../../db/queries/fencing.js';
import { redlockKey } from './keys.js';
import { defineScripts } from '../common/redis-scripts.js';
import { lockStrategy } from '../common/locks/locked-purchase.js';
import { acquireRedlock } from './quorum-lock.js';
import type { Strategy, StrategyDeps, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'redlock';

export const redlockFacts: StrategyFacts = {
  name,
  description: 'Redlock over every Redis server (majority, bounded per-node waits, watchdog), fencing tokens from a PostgreSQL sequence.',
  ...plainFacts,
  locksIn: 'redis-quorum',
};

/**
 * The redis-lock recipe over a quorum of independent Redis servers (Redlock),
 * so the lock survives the loss of a minority of them: held only with a
 * majority of nodes and while time is left on the lease; extended on a
 * majority by the watchdog, else lost and the holder stops before committing.
 * With a majority down, no lock can be had: buyers get 503 after PURCHASE_WAIT_MS,
 * never an order taken without the lock.
 * Fencing tokens come from PostgreSQL, not Redis: Redlock has no single
 * counter that all nodes agree on (a per-node INCR differs across nodes and
 * restarts), so on its own it cannot produce fencing tokens, the core of
 * Kleppmann's critique ("How to do distributed locking", 2016). A sequence in
 * the very store that checks the tokens is monotonic by construction.
 * Like redis-lock, safe only if every writer of the SKU goes through this lock.
 */
export function createRedlock(deps: BaseDeps & Pick<StrategyDeps, 'redisNodes'>): Strategy {
  for (const node of deps.redisNodes) defineScripts(node);
  const timing = {
    leaseMs: deps.config.LOCK_TTL_MS,
    waitMs: deps.config.PURCHASE_WAIT_MS,
    nodeTimeoutMs: deps.config.REDLOCK_NODE_TIMEOUT_MS,
  };
  return lockStrategy(
    redlockFacts,
    deps,
    (request) => async (stop, waitMs) => {
      const lease = await acquireRedlock(deps.redisNodes, redlockKey(request.sku), { ...timing, waitMs, stop }, deps.log);
      if (lease === undefined) return undefined;
      // The token is drawn after the lock is held, so a later holder always draws a larger number.
      return { signal: lease.signal, isHeld: () => lease.isHeld(), token: nextFenceToken, column: 'redlock_fence_token', release: () => lease.release() };
    },
    `no Redis majority within the purchase's wait (PURCHASE_WAIT_MS, ${timing.waitMs} ms)`,
  );
}
