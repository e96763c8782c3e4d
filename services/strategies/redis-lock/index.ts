import { defineScripts } from '../common/redis-scripts.js';
import { heldLock, lockStrategy } from '../common/locks/locked-purchase.js';
import { acquireFencedLock } from '../common/locks/single-node-lock.js';
import type { Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'redis-lock';

export const redisLockFacts: StrategyFacts = {
  name,
  description: 'Per-SKU Redis lock (SET NX PX, watchdog-renewed lease) with fencing tokens checked by PostgreSQL; read, check, write under the lock.',
  ...plainFacts,
  locksIn: 'redis',
};

/**
 * A lock per SKU on the main Redis serialises "read, check, write": only the
 * holder reads and writes the stock. The lock is a lease (it expires if the
 * holder dies), renewed by a watchdog while the holder works; a holder that
 * loses it stops before committing. Because a holder can still be late (a
 * pause between its last check and its commit), each acquisition also gets a
 * fencing token from a per-SKU Redis counter, in the same Lua step as the
 * lock, and PostgreSQL refuses a write whose token is older than one it has
 * already accepted.
 * The write is `read − q`, yet a sale by a strategy that skips this lock
 * cannot be undone by it: the fenced UPDATE takes the SKU's row lock before
 * the read (locked-purchase.ts), so no other write falls between the two.
 */
export function createRedisLock(deps: BaseDeps): Strategy {
  defineScripts(deps.redis);
  const timing = { leaseMs: deps.config.LOCK_TTL_MS, waitMs: deps.config.PURCHASE_WAIT_MS };
  return lockStrategy(
    redisLockFacts,
    deps,
    (request) => async (stop, waitMs) => {
      const held = await acquireFencedLock(deps.redis, request.sku, { ...timing, waitMs, stop }, deps.log);
      return held === undefined ? undefined : heldLock(held.lease, held.fenceToken, 'fence_token');
    },
    `lock not acquired within the purchase's wait (PURCHASE_WAIT_MS, ${timing.waitMs} ms)`,
  );
}
