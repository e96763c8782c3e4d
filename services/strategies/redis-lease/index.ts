import { setTimeout as sleep } from 'node:timers/promises';
import { createKeyProbes } from '../common/key-probes.js';
import { createOrderWriter } from '../common/order-writer.js';
import { multirangeLiteral, type UnitRanges } from '../common/unit-ranges.js';
import { plainFacts } from '../facts.js';
import type { CounterRebuild } from '../common/counter-rebuild.js';
import type { BaseDeps, PurchaseOutcome, PurchaseRequest, Stoppable, Strategy, StrategyFacts } from '../strategy.js';
import { endLease } from '../common/leases/lease-end.js';
import { startLeaseReconciler } from '../common/leases/lease-reconciler.js';
import { leasesLive, takeLease } from '../common/leases/lease-take.js';
import { type LeaseAttempt, leaseOrderAnswer, leaseOrderFailure, unknownOutcome } from '../common/leases/lease-orders.js';
import { settleByDeadline } from '../../../lib/deadline.js';
import { type Lease, LeasePool, type Taken } from './lease-pool.js';

const name = 'redis-lease';
// Its leases' ledger (common/leases/keys.ts): its reconciler ends only these.
const ledger = 'leases';

export const redisLeaseFacts: StrategyFacts = {
  name,
  description:
    'Each API process leases a share of the Redis counter (about 200 ms of its sales, one script call) and sells from memory; orders name their units and pass the lease\'s fence in PostgreSQL, which refuses a unit sold twice; unsold units go back when the lease idles, ages or its holder dies.',
  ...plainFacts,
  decidesIn: 'redis',
  keepsStockIn: 'redis',
  decidesPer: 'lease',
};

// Units PostgreSQL refused because another order holds them (the counter lost writes), or a
// lease closed under the buyer: each try takes other units, as redis-lua's tries do.
const maxUnitTries = 3;
// How often leases are looked at for idling and age.
const tickMs = 50;
// How often a buyer short of units asks the counter again while other processes' leases are live.
const heldPollMs = 20;
// At shutdown, how long to wait for the leases of buyers still being served to end.
const shutdownWaitMs = 10_000;

/** Consecutive units as inclusive ranges: [3,4,5,9] -> [[3,5],[9,9]]. */
function rangesOf(units: readonly number[]): UnitRanges {
  const sorted = [...units].sort((a, b) => a - b);
  const ranges: UnitRanges = [];
  for (const unit of sorted) {
    const last = ranges.at(-1);
    if (last !== undefined && last[1] + 1 === unit) last[1] = unit;
    else ranges.push([unit, unit]);
  }
  return ranges;
}

function unitsOf(ranges: UnitRanges): number[] {
  const units: number[] = [];
  for (const [lo, hi] of ranges) for (let unit = lo; unit <= hi; unit += 1) units.push(unit);
  return units;
}

/**
 * Stock leases (GuoZhaoran/spikeSystem's per-server share, made safe): a
 * process takes K units of a SKU off its Redis counter in one script call,
 * then decides its buyers from memory. Orders are written in batches per
 * lease, each naming its units, and PostgreSQL refuses a unit sold twice,
 * as with redis-lua. The lease's row in PostgreSQL is the fence: an order is
 * written only while its lease is open, and whoever ends the lease closes
 * it first, so the units it then finds unsold are unsold for good and go
 * back to the counter (lease-end.ts). Holders end their leases when one
 * cannot cover the next buyer, after LEASE_IDLE_MS without a buyer, at
 * LEASE_MAX_AGE_MS and at shutdown; a lease its holder never ended is ended
 * by any process's reconciler after LEASE_LIFETIME_MS.
 */
export function createRedisLease(deps: BaseDeps, counters: CounterRebuild): Strategy {
  const { config } = deps;
  const orders = createOrderWriter(deps.db, config.PG_BATCH_MAX_SIZE, () => undefined);
  const pools = new Map<string, LeasePool>();
  const keyTaken = createKeyProbes(deps.db);
  // Leases taken and not ended yet (their end not finished): shutdown waits for them.
  const live = new Set<Lease>();
  let stopping = false;
  let drained: (() => void) | undefined;

  function end(lease: Lease): void {
    endLease(deps, ledger, lease.sku, lease.id, lease.ranges.map(([lo, hi]): [number, number] => [lo, hi]))
      .catch((error: unknown) => deps.log.warn({ err: error, sku: lease.sku, leaseId: lease.id }, 'lease not ended; the reconciler ends it when it lapses'))
      .finally(() => {
        live.delete(lease);
        if (live.size === 0) drained?.();
      });
  }

  /**
   * A counter short of units is not "sold out" while leases of the SKU are live (this process's
   * retiring ones, or another's): their unsold units come back when they end (idle, age, at
   * most LEASE_MAX_AGE_MS for a live holder). The buyer waits for that, asking again, until no
   * lease is live (then the refusal is final) or its deadline is near: then 503, not 409.
   */
  async function take(sku: string, want: number, least: number, until: number): Promise<Taken> {
    for (;;) {
      const taken = await takeOnce(sku, want, least);
      // The script counted the SKU's live leases in the same step as the counter: none, and no unit can come back.
      if (taken.kind !== 'sold_out' || taken.held !== true) return taken;
      if (Date.now() + 2 * heldPollMs > until) return { kind: 'held_elsewhere' };
      await sleep(heldPollMs);
    }
  }

  async function takeOnce(sku: string, want: number, least: number): Promise<Taken> {
    // Shutting down: no lease that nothing would end (503; another process serves the retry).
    if (stopping) return { kind: 'held_elsewhere' };
    const taken = await takeLease(deps, ledger, sku, { want, least, spread: config.LEASE_SPREAD, leastShare: 1, lifetimeMs: config.LEASE_LIFETIME_MS });
    if (taken.kind === 'closed') return { kind: 'held_elsewhere' };
    if (taken.kind !== 'leased') return taken;
    const lease: Lease = { id: taken.id, sku, ranges: taken.ranges, takenAt: Date.now(), free: unitsOf(taken.ranges), inFlight: 0, retired: false, ended: false };
    live.add(lease);
    return { kind: 'leased', lease };
  }

  function poolOf(sku: string): LeasePool {
    let pool = pools.get(sku);
    if (pool === undefined) {
      pool = new LeasePool({
        take: (want, least, until) => take(sku, want, least, until),
        end,
        targetMs: config.LEASE_TARGET_MS,
        maxUnits: config.LEASE_MAX_UNITS,
        idleMs: config.LEASE_IDLE_MS,
        maxAgeMs: config.LEASE_MAX_AGE_MS,
      });
      pools.set(sku, pool);
    }
    return pool;
  }

  async function tryOnce(request: PurchaseRequest): Promise<LeaseAttempt> {
    const pool = poolOf(request.sku);
    const claim = await pool.claim(request.quantity);
    // The same key may be selling in another process right now, from its lease: its order, once
    // committed, is the answer, not this refusal.
    if (claim.kind === 'sold_out') return (await keyTaken(request.sku, request.idempotencyKey)) ? { kind: 'duplicate' } : claim;
    if (claim.kind === 'held_elsewhere') return { kind: 'contended', reason: 'the units left are in stock leases of API processes; they come back when those end' };
    if (claim.kind === 'no_counter') {
      const missing = await counters.counterMissing(request.sku);
      return missing === 'unknown_sku' ? { kind: 'unknown_sku' } : { kind: 'unavailable', dependency: 'redis', reason: 'stock counter lost; rebuilding it from PostgreSQL' };
    }
    const { lease, units } = claim;
    // The batch's INSERT runs outside any one buyer's deadline; this buyer's answer does not wait past
    // its own (purchase below). The lease is settled when the write does, whenever that is.
    return orders.write({ ...request, id: request.orderId, strategy: name, units: multirangeLiteral(rangesOf(units)), leaseId: lease.id }).then(
      (written) => {
        const [outcome, settlement] = leaseOrderAnswer(written, request.orderId);
        if (written === 'lease_closed') pool.retire(lease);
        pool.settle(lease, units, settlement);
        return outcome;
      },
      (error: unknown) => {
        pool.settle(lease, units, 'lost');
        return leaseOrderFailure(error);
      },
    );
  }

  async function buy(request: PurchaseRequest): Promise<PurchaseOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await tryOnce(request);
      if (outcome.kind !== 'again') return outcome;
      if (attempt >= maxUnitTries) return { kind: 'unavailable', dependency: 'redis', reason: 'the units leased were sold already or their lease was closed; retry' };
    }
  }

  // Shutdown: every lease retired, and each ended once the writes of its buyers still running settle
  // (bounded: a write that cannot settle leaves its lease to another process's reconciler).
  const ticker: Stoppable = {
    async stop() {
      stopping = true;
      for (const pool of pools.values()) pool.close();
      pools.clear();
      if (live.size === 0) return;
      await new Promise<void>((resolve) => {
        const bound = setTimeout(resolve, shutdownWaitMs);
        drained = () => {
          clearTimeout(bound);
          resolve();
        };
      });
    },
  };

  return {
    ...redisLeaseFacts,
    // A refusal from the counter waits for an order of the key being written elsewhere (above);
    // every other refusal comes from the order's own INSERT, which looks at the key.
    refusalChecksKey: true,
    // Units in a live lease of any process may still go to any key: a sell-out is remembered only
    // once every lease of the SKU has ended (a lease with units left means it is not sold out).
    keysWithoutOrders: async (sku: string) => ((await leasesLive(deps, ledger, sku)) ? undefined : []),
    startApiLoops() {
      const timer = setInterval(() => {
        for (const [sku, pool] of pools) {
          pool.tick();
          if (pool.idle()) pools.delete(sku);
        }
      }, tickMs);
      timer.unref();
      return [
        startLeaseReconciler(deps, { ledger, lifetimeMs: config.LEASE_LIFETIME_MS, what: 'lease reconciler' }),
        {
          async stop() {
            clearInterval(timer);
            await ticker.stop();
          },
        },
      ];
    },
    purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      // The answer comes by the buyer's deadline whatever it waits on: the order write (in a batch outside
      // any one buyer's deadline), a lease take run under the first waiter's deadline, a failure met after
      // it (slow-postgres once saw 503s at 1.4 s). What still runs settles its units whenever it ends.
      return settleByDeadline(buy(request), () => ({ kind: 'unavailable', dependency: 'postgres', reason: `the order was not written, or the stores did not answer, within the wait (PURCHASE_WAIT_MS); ${unknownOutcome}` }));
    },
  };
}
