/**
 * A stock lease as its holder sees it: the units the counter handed to this
 * process, the ones not handed to a buyer yet, and the buyers whose orders
 * are being written.
 */
export interface Lease {
  readonly id: string;
  readonly sku: string;
  /** Every unit the lease took, inclusive ranges (what closing it in PostgreSQL is told). */
  readonly ranges: ReadonlyArray<readonly [number, number]>;
  readonly takenAt: number;
  /** Not handed out yet, lowest first. */
  free: number[];
  /** Buyers holding units of it whose order write has not settled. */
  inFlight: number;
  /** No more buyers get units of it; it ends once inFlight is 0. */
  retired: boolean;
  ended: boolean;
}

/** What taking a lease from the counter gave. */
export type Taken =
  | { kind: 'leased'; lease: Lease }
  // held: leases of the SKU were live when the counter said so (their unsold units may come back).
  | { kind: 'sold_out'; left: number; held?: boolean }
  | { kind: 'no_counter' }
  | { kind: 'held_elsewhere' };

/** What a buyer of `quantity` units gets. */
export type Claim = { kind: 'units'; lease: Lease; units: number[] } | { kind: 'sold_out' } | { kind: 'no_counter' } | { kind: 'held_elsewhere' };


import { msLeft, outsideDeadline, runWithDeadline } from '../../../lib/deadline.js';
import type { Settlement } from '../common/leases/lease-orders.js';

export interface PoolOptions {
  /**
   * Takes a lease of about `want` units and at least `least` (take-lease-4.lua), and opens its fence;
   * held_elsewhere when the counter has too few but leases of other processes may give units back;
   * rejects when a store failed.
   */
  take(want: number, least: number, until: number): Promise<Taken>;
  /** Ends a retired lease whose writes have all settled: closes it in PostgreSQL, gives its unsold units back. */
  end(lease: Lease): void;
  /** Lease size: about this many ms of this SKU's sales here, within [least, maxUnits]. */
  targetMs: number;
  maxUnits: number;
  /** A lease no buyer asked for this long, or this old, is retired at the next tick. */
  idleMs: number;
  maxAgeMs: number;
  now?: () => number;
}

interface Waiter {
  quantity: number;
  /** When its purchase must be answered (epoch ms): its deadline; undefined outside one. */
  until: number | undefined;
  resolve: (claim: Claim) => void;
  reject: (error: unknown) => void;
}

// Waiters whose deadline is this close to the first one's are answered with it.
const dueMarginMs = 20;
// A claim made outside a purchase (no deadline) waits this long at most for units held in leases.
const undeadlinedWaitMs = 1000;

/**
 * The leases of one SKU in one API process. A buyer is served from the
 * current lease with no round trip. One lease is taken at a time (single
 * flight); buyers arriving meanwhile wait in arrival order, and a buyer the
 * current lease cannot cover retires it and waits for the next one, so the
 * counter sees one call per lease, not per sale.
 *
 * The pool never decides what a lease gives back: ending it closes it in
 * PostgreSQL, which then knows every order of it, and its unsold units are
 * what no order holds. So a unit handed out whose write failed (outcome
 * unknown) is simply not reused here.
 */
export class LeasePool {
  private current: Lease | undefined;
  private readonly waiters: Waiter[] = [];
  private taking = false;
  private lastClaimAt = 0;
  // Units claimed in the current and the previous window of targetMs: the recent rate.
  private windowStart = 0;
  private windowUnits = 0;
  private previousWindowUnits = 0;
  private readonly now: () => number;

  constructor(private readonly options: PoolOptions) {
    this.now = options.now ?? Date.now;
  }

  claim(quantity: number): Promise<Claim> {
    this.noteClaim(quantity);
    const lease = this.current;
    if (this.waiters.length === 0 && !this.taking && lease !== undefined && lease.free.length >= quantity) {
      return Promise.resolve(this.handOut(lease, quantity));
    }
    const left = msLeft();
    const until = left === undefined ? undefined : this.now() + Math.max(0, left);
    return new Promise((resolve, reject) => {
      this.waiters.push({ quantity, until, resolve, reject });
      // Shared by every waiter: not bound to the deadline of the buyer who happened to start it.
      if (!this.taking) void outsideDeadline(() => this.refill());
    });
  }

  /** The write of claimed units settled: unsold units go back to the lease if it still serves buyers. */
  settle(lease: Lease, units: number[], how: Settlement): void {
    lease.inFlight -= 1;
    if (how === 'unsold' && !lease.retired) lease.free.unshift(...units);
    this.endIfDone(lease);
  }

  /** No more buyers get units of this lease (its fence is closed, or it is done); it ends once its writes settle. */
  retire(lease: Lease): void {
    if (this.current === lease) this.current = undefined;
    lease.retired = true;
    this.endIfDone(lease);
  }

  /** Retires a lease idle for idleMs or older than maxAgeMs (called on a timer). */
  tick(): void {
    const lease = this.current;
    if (lease === undefined || this.waiters.length > 0 || this.taking) return;
    const at = this.now();
    if (at - this.lastClaimAt >= this.options.idleMs || at - lease.takenAt >= this.options.maxAgeMs) this.retire(lease);
  }

  /** Nothing held, nothing waiting: the pool can be dropped. */
  idle(): boolean {
    return this.current === undefined && this.waiters.length === 0 && !this.taking;
  }

  /** Retires the current lease (shutdown). */
  close(): void {
    if (this.current !== undefined) this.retire(this.current);
  }

  private handOut(lease: Lease, quantity: number): Claim {
    lease.inFlight += 1;
    return { kind: 'units', lease, units: lease.free.splice(0, quantity) };
  }

  private endIfDone(lease: Lease): void {
    if (!lease.retired || lease.inFlight > 0 || lease.ended) return;
    lease.ended = true;
    this.options.end(lease);
  }

  private noteClaim(quantity: number): void {
    const at = this.now();
    this.lastClaimAt = at;
    if (at - this.windowStart >= this.options.targetMs) {
      // A window with no claims at all (a pause) leaves the previous one at 0.
      this.previousWindowUnits = at - this.windowStart >= 2 * this.options.targetMs ? 0 : this.windowUnits;
      this.windowStart = at;
      this.windowUnits = 0;
    }
    this.windowUnits += quantity;
  }

  /** About targetMs of recent sales, and at least what the buyers waiting now want. */
  private wanted(least: number): number {
    const waiting = this.waiters.reduce((sum, waiter) => sum + waiter.quantity, 0);
    const recent = Math.max(this.previousWindowUnits, this.windowUnits);
    return Math.min(this.options.maxUnits, Math.max(least, recent, waiting));
  }

  private async refill(): Promise<void> {
    if (this.taking) return;
    this.taking = true;
    // Buyers arriving in this same turn of the event loop (a burst read off the sockets together) join the first lease.
    await Promise.resolve();
    try {
      for (;;) {
        const first = this.waiters[0];
        if (first === undefined) break;
        const lease = this.current;
        if (lease !== undefined && lease.free.length >= first.quantity) {
          this.waiters.shift();
          first.resolve(this.handOut(lease, first.quantity));
          continue;
        }
        // What is left of this lease cannot cover the first buyer: it goes back, a new one is taken.
        if (lease !== undefined) this.retire(lease);
        let taken: Taken;
        try {
          // Bounded by the first waiter's deadline (the earliest: they wait in arrival order), its
          // store waits included; the waiters behind it get the next take if this one runs out.
          const want = this.wanted(first.quantity);
          const { until } = first;
          taken = until === undefined ? await this.options.take(want, first.quantity, this.now() + undeadlinedWaitMs) : await runWithDeadline(until, () => this.options.take(want, first.quantity, until));
        } catch (error: unknown) {
          for (const waiter of this.waiters.splice(0)) waiter.reject(error);
          break;
        }
        if (taken.kind === 'leased') {
          this.current = taken.lease;
          continue;
        }
        if (taken.kind === 'no_counter') {
          for (const waiter of this.waiters.splice(0)) waiter.resolve(taken);
          break;
        }
        if (taken.kind === 'held_elsewhere') {
          // The first waiter's time is up; so is that of any waiter due as soon. The others go on.
          const due = this.now() + dueMarginMs;
          const done = this.waiters.filter((waiter) => waiter === first || (waiter.until !== undefined && waiter.until <= due));
          this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((waiter) => !done.includes(waiter)));
          for (const waiter of done) waiter.resolve(taken);
          continue;
        }
        // Fewer units on the counter than this buyer wants: refused, with every waiter wanting more than
        // are left (one call for all of them). A buyer of fewer may still get units.
        const { left } = taken;
        const refused = this.waiters.filter((waiter) => waiter.quantity > left);
        this.waiters.splice(0, this.waiters.length, ...this.waiters.filter((waiter) => waiter.quantity <= left));
        for (const waiter of refused) waiter.resolve({ kind: 'sold_out' });
      }
    } finally {
      this.taking = false;
    }
  }
}
