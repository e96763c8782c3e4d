import { staleOpenLeases } from '../../../../db/queries/leases.js';
import { parseMultirange } from '../../../../db/queries/orders.js';
import { allShards } from '../../../shared/redis-keys.js';
import { type PollLoop, startPollLoop } from '../../../shared/poll-loop.js';
import { redisNowMs } from '../../../shared/redis.js';
import { recordChange } from '../reconciliation-log.js';
import { countUnits, parseUnitRanges } from '../unit-ranges.js';
import type { BaseDeps } from '../../strategy.js';
import { leaseKey, leaseLedgerKey, parseLeaseMember } from './keys.js';
import { endLease } from './lease-end.js';

// Lapsed leases looked at per shard and round; a full batch goes again at once.
const batchSize = 200;

export interface LeaseReconcilerOptions {
  /** The ledger its leases are listed in (keys.ts). */
  ledger: string;
  /** How long after it was taken a lease lapses (what the take script was told). */
  lifetimeMs: number;
  /** What to do before a lapsed lease is ended: stop handing out its units where they are kept. */
  beforeEnd?: (sku: string, leaseId: string) => Promise<void>;
  what: string;
}

/**
 * Ends leases their holder never ended (it was killed, or stopped longer
 * than the lease's lifetime): the shard ledgers list every lease by when it
 * lapses, in the script that took it. Every API process runs this; two
 * ending one lease is safe (endLease is idempotent, and one script gives the
 * units back). A stopped holder that resumes finds its lease closed: its
 * next orders of it are refused by PostgreSQL and its buyers take units of
 * a new lease.
 *
 * A lease Redis no longer lists (it lost its data, and the holder died or
 * could not end it) is found in PostgreSQL instead, not ended twice this
 * ledger's lifetime after it was taken and with no record in Redis, and
 * closed the same way: its sold units stand, skus.stock gets the rest back
 * (the Redis counter's rebuild already counted them free). PostgreSQL says
 * which ledger listed it.
 */
export function startLeaseReconciler(deps: BaseDeps, options: LeaseReconcilerOptions): PollLoop {
  const { ledger, lifetimeMs } = options;
  async function staleRound(): Promise<number> {
    const stale = await staleOpenLeases(deps.db, ledger, 2 * lifetimeMs, batchSize);
    let ended = 0;
    for (const lease of stale) {
      // Redis still lists it (a taker gave it a longer lifetime than this process's): the ledger ends it.
      // Not counted: a round of only such leases must not run again at once (its next look is a poll later).
      if ((await deps.redis.exists(leaseKey(lease.sku, lease.id))) === 1) continue;
      ended += 1;
      await options.beforeEnd?.(lease.sku, lease.id);
      const units = await endLease(deps, ledger, lease.sku, lease.id, parseMultirange(lease.units));
      await recordChange(deps, { sku: lease.sku, action: 'lease_given_back', units: Math.max(0, units), detail: `lease ${lease.id} still open ${2 * lifetimeMs} ms after it was taken, unknown to Redis` });
    }
    return ended;
  }
  async function shardRound(shard: number, now: number): Promise<number> {
    const key = leaseLedgerKey(shard, ledger);
    const members = await deps.redis.zrangebyscore(key, '-inf', now, 'LIMIT', 0, batchSize);
    for (const member of members) {
      const entry = parseLeaseMember(member);
      const record = entry === undefined ? null : await deps.redis.get(leaseKey(entry.sku, entry.leaseId));
      const ranges = record === null ? undefined : parseUnitRanges(record);
      if (entry === undefined || ranges === undefined) {
        // No record: ended already (the script removes both) or unreadable; nothing to give back.
        await deps.redis.zrem(key, member);
        continue;
      }
      await options.beforeEnd?.(entry.sku, entry.leaseId);
      const units = await endLease(deps, ledger, entry.sku, entry.leaseId, ranges);
      if (units > 0) {
        await recordChange(deps, { sku: entry.sku, action: 'lease_given_back', units, detail: `lease ${entry.leaseId} of ${countUnits(ranges)} units lapsed; its holder never ended it` });
      }
    }
    return members.length;
  }
  async function round(): Promise<number> {
    const now = await redisNowMs(deps.redis);
    let looked = 0;
    for (const shard of allShards) looked = Math.max(looked, await shardRound(shard, now));
    return Math.max(looked, await staleRound());
  }
  return startPollLoop(round, { idleMs: 1000, failureMs: 1000, batchSize, log: deps.log, what: options.what });
}
