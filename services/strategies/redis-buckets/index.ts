import { setTimeout as sleep } from 'node:timers/promises';
import { msLeft, settleByDeadline } from '../../../lib/deadline.js';
import { createKeyProbes } from '../common/key-probes.js';
import { leaseKey } from '../common/leases/keys.js';
import { endLease } from '../common/leases/lease-end.js';
import { type LeaseAttempt, leaseOrderAnswer, leaseOrderFailure, unknownOutcome } from '../common/leases/lease-orders.js';
import { startLeaseReconciler } from '../common/leases/lease-reconciler.js';
import { counterAndFills, type LeaseTaken, leasesLive, takeLease } from '../common/leases/lease-take.js';
import { createOrderWriter } from '../common/order-writer.js';
import { formatUnitRanges, multirangeLiteral, parseUnitRanges, type UnitRanges } from '../common/unit-ranges.js';
import { plainFacts } from '../facts.js';
import type { CounterRebuild } from '../common/counter-rebuild.js';
import type { BaseDeps, PurchaseOutcome, PurchaseRequest, Strategy, StrategyFacts } from '../strategy.js';
import { FillWrites } from './fill-writes.js';
import { bucketKey, homeBucket } from './keys.js';

const name = 'redis-buckets';
// Its fills' ledger (common/leases/keys.ts): its reconciler ends only these.
const ledger = 'bucket-leases';

export const redisBucketsFacts: StrategyFacts = {
  name,
  description:
    'A SKU\'s stock is sold from BUCKET_COUNT Redis keys on different cluster slots (one hot SKU spread over masters); each bucket is filled with a lease of units off the SKU\'s counter, a buyer takes from its own bucket and probes the others when it is empty; orders name their units and pass the lease\'s fence in PostgreSQL.',
  ...plainFacts,
  decidesIn: 'redis',
  keepsStockIn: 'redis',
  spreadsStock: true,
};

// Units PostgreSQL refused because another order holds them (the counter lost writes), or a fill
// closed under the buyer: each try takes other units, within the buyer's deadline. A fill emptied
// at a high rate is ended while the last orders of it still wait in the writer's queue: those are
// refused and their buyers take units of the next fill (the units come back with the close).
const maxUnitTries = 10;
// How often a buyer who found every bucket and the counter short asks again while fills of the SKU are being ended.
const heldPollMs = 20;
// A purchase outside a deadline (none in the API) waits this long at most for units coming back.
const undeadlinedWaitMs = 1000;
// Times a buyer refills its own bucket in one try when others empty each fill before it takes from it.
const maxRefills = 3;
// Looks of one watch for units coming back (heldPollMs apart) before its buyers try again anyway.
const maxLooks = 100;

type Step = LeaseAttempt | { kind: 'held' };
/** What filling a bucket from the counter gave its buyer: units, or the counter's answer. */
type Refill = LeaseTaken | { kind: 'filled'; taken: Taken };
/** What the counter said, in short: units (in the bucket now), none for good, none while fills are live, or a failure. */
type CounterSaid = 'filled' | 'sold_out' | 'held' | 'no_counter' | 'closed' | 'failed';

function counterSaid(fill: Refill): CounterSaid {
  if (fill.kind === 'filled') return 'filled';
  if (fill.kind === 'sold_out') return fill.held ? 'held' : 'sold_out';
  return fill.kind === 'leased' ? 'failed' : fill.kind;
}
/** The store a buyer is waiting on, for the answer when its deadline passes first. */
interface Stage {
  on: 'redis' | 'postgres';
}
/** A bucket's units for one buyer, and the lease (fill) they belong to. */
interface Taken {
  lease: string;
  units: UnitRanges;
}

/**
 * Bucketed stock: a SKU's units are sold from B Redis keys whose hash tags
 * put them on different slots, so one hot SKU is spread over the masters of
 * a cluster instead of one key on one master. Each bucket holds one fill: a
 * stock lease taken off the SKU's counter (take-lease-4.lua, units named as
 * redis-lua names them) and fenced in PostgreSQL like redis-lease's. A buyer
 * takes its units from its own bucket (by its key's hash) in one script
 * call; an empty bucket is refilled from the counter, one fill per bucket at
 * a time in a process; when the counter is short the buyer probes the other
 * buckets. Leftovers rebalance: a bucket with fewer units than its buyer
 * wants is detached and its lease ended, so its units go back to the
 * counter, whence the next fill spreads them; and every fill lapses after
 * BUCKET_LIFETIME_MS, when any process's reconciler ends it the same way.
 * Nothing is held in a process: one that dies holds no units.
 */
export function createRedisBuckets(deps: BaseDeps, counters: CounterRebuild): Strategy {
  const { config } = deps;
  const buckets = config.BUCKET_COUNT;
  const orders = createOrderWriter(deps.db, config.PG_BATCH_MAX_SIZE, () => undefined);
  const keyTaken = createKeyProbes(deps.db);
  // One fill of a bucket at a time in this process: its other buyers wait for it, then take from it.
  const refilling = new Map<string, Promise<CounterSaid>>();
  // One watch per SKU for units coming back, shared by the buyers waiting for them (unitsBack).
  const watches = new Map<string, Promise<'units' | 'none'>>();

  // Orders of each fill being written here: a fill is ended once they settle (fill-writes.ts).
  const writes = new FillWrites();

  /** Ends a fill a bucket let go of, once this process's orders of it settle: PostgreSQL closes it (waiting for others' orders being written), then its unsold units go back to the counter. */
  async function endFill(sku: string, leaseId: string): Promise<void> {
    await writes.settled(leaseId);
    try {
      const record = await deps.redis.get(leaseKey(sku, leaseId));
      const ranges = record === null ? undefined : parseUnitRanges(record);
      // No record: ended already, or lost with Redis's data (the sweep of open leases closes it).
      if (ranges !== undefined) await endLease(deps, ledger, sku, leaseId, ranges);
    } catch (error: unknown) {
      deps.log.warn({ err: error, sku, leaseId }, 'bucket fill not ended; the reconciler ends it when it lapses');
    }
  }

  /**
   * One script call on one bucket: the buyer's units, or none. A fill it let go of is ended: awaited when
   * units are left in it (they are back on the counter before this buyer asks it), else in the background.
   */
  async function fromBucket(sku: string, bucket: number, quantity: number, stage: Stage, fill?: { id: string; ranges: UnitRanges }): Promise<Taken | undefined> {
    stage.on = 'redis';
    const [kind, lease, value, replaced] = await deps.redis.takeFromBucket(bucketKey(sku, bucket, buckets), quantity, fill?.id ?? '', fill === undefined ? '' : formatUnitRanges(fill.ranges));
    if (replaced !== '') void endFill(sku, replaced);
    if (kind === 1) {
      const units = parseUnitRanges(String(value));
      if (units === undefined) throw new Error(`unreadable units from a bucket of ${sku}: ${String(value)}`);
      // Counted from the reply on (sell writes it next): a fill let go of meanwhile waits for this order.
      writes.begin(lease);
      return { lease, units };
    }
    if (lease !== '') {
      if (Number(value) > 0) {
        stage.on = 'postgres';
        await endFill(sku, lease);
      } else void endFill(sku, lease);
    }
    return undefined;
  }

  /**
   * Fills the bucket from the counter and takes the buyer's units from the fill. A buyer who finds this
   * process filling the bucket already waits for that fill and gets what it found ('waited'): units in
   * the bucket, or the counter's answer.
   */
  async function refill(sku: string, bucket: number, quantity: number, stage: Stage): Promise<Refill | { kind: 'waited'; found: CounterSaid }> {
    const flight = `${bucket} ${sku}`;
    const running = refilling.get(flight);
    if (running !== undefined) return { kind: 'waited', found: await running };
    const filling = (async (): Promise<Refill> => {
      const waitingOn = (store: Stage['on']) => {
        stage.on = store;
      };
      const lease = await takeLease(deps, ledger, sku, { want: config.BUCKET_FILL_UNITS, least: quantity, spread: buckets, leastShare: config.BUCKET_LEAST_FILL, lifetimeMs: config.BUCKET_LIFETIME_MS, waitingOn });
      if (lease.kind !== 'leased') return lease;
      // The fill holds at least `quantity` units (the least the take took): the first are this buyer's.
      const taken = await fromBucket(sku, bucket, quantity, stage, lease);
      if (taken === undefined) throw new Error(`a fill of ${sku} did not cover its buyer`);
      return { kind: 'filled', taken };
    })();
    const found = filling.then(counterSaid, () => 'failed' as const);
    refilling.set(flight, found);
    void found.then(() => refilling.delete(flight));
    return filling;
  }

  /**
   * Buyers who found no units while fills of the SKU were live (being ended: their units of writes that
   * failed may come back) wait here together: one look per SKU every heldPollMs at the counter, the
   * buckets and the ledger, not one round of probes per buyer. 'units' when any are back on the
   * counter or in a bucket (the buyers try again), 'none' once no fill is live and the counter is empty.
   */
  function unitsBack(sku: string, quantity: number): Promise<'units' | 'none'> {
    const watch = `${quantity} ${sku}`;
    let watching = watches.get(watch);
    if (watching === undefined) {
      watching = (async () => {
        for (let looked = 0; looked < maxLooks; looked += 1) {
          await sleep(heldPollMs);
          // The counter and the ledger in one step (one slot): a fill ended between two reads would put its
          // units on the counter after it was read and leave the ledger empty after, and look sold out.
          const [counter, live] = await counterAndFills(deps, ledger, sku);
          if (counter >= quantity) return 'units' as const;
          // No fill live: no bucket holds a unit, none can come back (a fill is taken with the counter read above).
          if (!live) return 'none' as const;
          // A bucket with units, even fewer than this buyer wants: the buyer's probe lets it go, and its units join the counter.
          const held = await Promise.all(Array.from({ length: buckets }, (_, bucket) => deps.redis.get(bucketKey(sku, bucket, buckets))));
          if (held.some((value) => value !== null && !value.endsWith('|'))) return 'units' as const;
        }
        return 'units' as const;
      })().finally(() => watches.delete(watch));
      watches.set(watch, watching);
    }
    return watching;
  }

  function sell(request: PurchaseRequest, bucket: number, taken: Taken, stage: Stage): Promise<LeaseAttempt> {
    stage.on = 'postgres';
    const written = orders.write({ ...request, id: request.orderId, strategy: name, units: multirangeLiteral(taken.units), leaseId: taken.lease });
    void written.then(
      () => writes.end(taken.lease),
      () => writes.end(taken.lease),
    );
    return written.then((result) => {
      // A closed fill still in its bucket (ended by the sweep of leases Redis had lost): no buyer takes more of it.
      if (result === 'lease_closed') void deps.redis.detachBucket(bucketKey(request.sku, bucket, buckets), taken.lease).catch(() => undefined);
      return leaseOrderAnswer(result, request.orderId)[0];
    }, leaseOrderFailure);
  }

  async function tryOnce(request: PurchaseRequest, stage: Stage): Promise<Step> {
    const { sku, quantity } = request;
    const home = homeBucket(request.idempotencyKey, buckets);
    let counter: CounterSaid = 'failed';
    // Its own bucket, refilled by this buyer or by the one already filling it here (then taken from again).
    for (let round = 0; round < maxRefills; round += 1) {
      const mine = await fromBucket(sku, home, quantity, stage);
      if (mine !== undefined) return sell(request, home, mine, stage);
      const fill = await refill(sku, home, quantity, stage);
      if (fill.kind === 'filled') return sell(request, home, fill.taken, stage);
      // A buyer who waited for another's fill hears what the counter told that one.
      counter = fill.kind === 'waited' ? fill.found : counterSaid(fill);
      if (counter === 'no_counter') {
        const missing = await counters.counterMissing(sku);
        return missing === 'unknown_sku' ? { kind: 'unknown_sku' } : { kind: 'unavailable', dependency: 'redis', reason: 'stock counter lost; rebuilding it from PostgreSQL' };
      }
      if (counter === 'closed') return { kind: 'contended', reason: 'the bucket\'s fill was closed as it was taken; retry' };
      if (counter !== 'filled') break;
    }
    // The counter is short: the other buckets, each in turn (the probing cost near the sell-out).
    for (let step = 1; step < buckets; step += 1) {
      const bucket = (home + step) % buckets;
      const other = await fromBucket(sku, bucket, quantity, stage);
      if (other !== undefined) return sell(request, bucket, other, stage);
    }
    // Fills of the SKU live when the counter was read may still give units back (writes that failed).
    if (counter !== 'sold_out') return { kind: 'held' };
    return refusal(request);
  }

  /** Sold out; but the same key may have sold a moment ago elsewhere: its order, once committed, is the answer. */
  async function refusal(request: PurchaseRequest): Promise<PurchaseOutcome> {
    return (await keyTaken(request.sku, request.idempotencyKey)) ? { kind: 'duplicate' } : { kind: 'sold_out' };
  }

  async function buy(request: PurchaseRequest, stage: Stage): Promise<PurchaseOutcome> {
    const until = Date.now() + (msLeft() ?? undeadlinedWaitMs);
    for (let tries = 0; ; ) {
      const step = await tryOnce(request, stage);
      if (step.kind === 'again') {
        tries += 1;
        if (tries >= maxUnitTries || Date.now() > until) return { kind: 'unavailable', dependency: 'redis', reason: 'the units taken were sold already or their fill was closed; retry' };
        continue;
      }
      if (step.kind !== 'held') return step;
      if (Date.now() + 2 * heldPollMs > until) return { kind: 'contended', reason: 'the units left are in bucket fills being given back to the counter; retry' };
      if ((await unitsBack(request.sku, request.quantity)) === 'none') return refusal(request);
    }
  }

  return {
    ...redisBucketsFacts,
    // A refusal from the counter waits for an order of the key being written elsewhere (above);
    // every other refusal comes from the order's own INSERT, which looks at the key.
    refusalChecksKey: true,
    // Units in a live fill may still go to any key: a sell-out is remembered once every fill has ended.
    keysWithoutOrders: async (sku: string) => ((await leasesLive(deps, ledger, sku)) ? undefined : []),
    startApiLoops() {
      // A lapsed fill is detached from its bucket before it ends: no buyer takes a unit of it after.
      const detach = async (sku: string, leaseId: string) => {
        for (let bucket = 0; bucket < buckets; bucket += 1) await deps.redis.detachBucket(bucketKey(sku, bucket, buckets), leaseId);
      };
      return [startLeaseReconciler(deps, { ledger, lifetimeMs: config.BUCKET_LIFETIME_MS, beforeEnd: detach, what: 'bucket reconciler' })];
    },
    purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      // Every step's waits (Redis, PostgreSQL, another buyer's fill, an order write in a batch) end at
      // the buyer's deadline: what is still running then settles its units whenever it ends.
      const stage: Stage = { on: 'redis' };
      return settleByDeadline(buy(request, stage), () => ({ kind: 'unavailable', dependency: stage.on, reason: `${stage.on} did not answer within the wait (PURCHASE_WAIT_MS); ${unknownOutcome}` }));
    },
  };
}
