import { heldLock, lockStrategy } from '../common/locks/locked-purchase.js';
import { EtcdSession, acquireEtcdLock } from './etcd-mutex.js';
import type { Strategy, StrategyDeps, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'etcd-lock';

export const etcdLockFacts: StrategyFacts = {
  name,
  description: "Per-SKU lock on a three-member etcd cluster (lease, the key's create revision as the place in line and the fencing token checked by PostgreSQL); read, check, write under the lock.",
  ...plainFacts,
  needs: ['etcd'],
  locksIn: 'etcd',
};

/**
 * The lock the Redlock critique recommends instead: etcd is a consensus
 * system (Raft), so a lock it grants survives the loss of any one member of
 * three, and a holder's key carries a revision that rises with every write
 * to the cluster, a fencing token that needs no counter of its own.
 * The recipe is in etcd-mutex.ts; what happens under the lock (the
 * fenced write in PostgreSQL) is the lock strategies' (common/locks/locked-purchase.ts),
 * with its own fence column.
 */
export function createEtcdLock(deps: BaseDeps & Pick<StrategyDeps, 'etcd'>): Strategy {
  // One lease for the process's lock keys (etcd counts whole seconds: LOCK_TTL_MS rounded up, at least 2 s).
  const session = new EtcdSession(deps.etcd, deps.config.LOCK_TTL_MS, deps.log);
  return lockStrategy(
    etcdLockFacts,
    deps,
    (request) => async (stop, waitMs) => {
      const held = await acquireEtcdLock(deps.etcd, session, request.sku, { waitMs, stop }, deps.log);
      return held === undefined ? undefined : heldLock(held.lease, held.fenceToken, 'etcd_fence_token');
    },
    `etcd lock not acquired within the purchase's wait (PURCHASE_WAIT_MS, ${deps.config.PURCHASE_WAIT_MS} ms)`,
  );
}
