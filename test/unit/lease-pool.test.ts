import { describe, expect, it } from 'vitest';
import { type Lease, LeasePool, type PoolOptions, type Taken } from '../../services/strategies/redis-lease/lease-pool.js';

/**
 * A counter of named units as take-lease-4.lua keeps it (taken lowest first
 * here), and ends that give back what the lease never handed out: the
 * PostgreSQL close finds exactly those unsold when every write settled.
 */
function counter(names: number[]) {
  const left = [...names];
  const takes: Array<{ want: number; least: number }> = [];
  const ended: Lease[] = [];
  let n = 0;
  let clock = 0;
  const take = async (want: number, least: number): Promise<Taken> => {
    takes.push({ want, least });
    if (left.length < least) return { kind: 'sold_out', left: left.length };
    n += 1;
    const units = left.splice(0, Math.max(least, Math.min(want, left.length)));
    const ranges = units.map((unit): [number, number] => [unit, unit]);
    return { kind: 'leased', lease: { id: `L${n}`, sku: 'S', ranges, takenAt: clock, free: units, inFlight: 0, retired: false, ended: false } };
  };
  const end = (lease: Lease): void => {
    ended.push(lease);
    left.unshift(...lease.free);
  };
  const options = (over: Partial<PoolOptions> = {}): PoolOptions => ({ take, end, targetMs: 100, maxUnits: 4, idleMs: 200, maxAgeMs: 1000, now: () => clock, ...over });
  return { left, takes, ended, options, tick: (ms: number) => (clock += ms) };
}

describe('LeasePool', () => {
  it('hands every unit out once to buyers arriving together, one lease at a time, and refuses the rest', async () => {
    const c = counter([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const pool = new LeasePool(c.options());
    const claims = await Promise.all(Array.from({ length: 14 }, () => pool.claim(1)));
    const units = claims.flatMap((claim) => (claim.kind === 'units' ? claim.units : []));
    expect(units.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(claims.filter((claim) => claim.kind === 'sold_out')).toHaveLength(4);
    // Leases of at most maxUnits, each taken while the others waited: 4 + 4 + 2, then one call that refused the four left.
    expect(c.takes.map((take) => take.want)).toEqual([4, 4, 4, 4]);
  });

  it('sizes a lease by the recent claims and the buyers waiting, within maxUnits', async () => {
    const c = counter(Array.from({ length: 100 }, (_, i) => i + 1));
    const pool = new LeasePool(c.options({ maxUnits: 50 }));
    await pool.claim(1);
    expect(c.takes[0]).toEqual({ want: 1, least: 1 });
    await Promise.all(Array.from({ length: 30 }, () => pool.claim(1)));
    // The second lease covers the buyers that were waiting for it.
    expect(c.takes[1]).toEqual({ want: 31, least: 1 });
    await Promise.all(Array.from({ length: 80 }, () => pool.claim(1)));
    expect(c.takes[2]).toEqual({ want: 50, least: 1 });
  });

  it('ends a lease once its writes settle, after it idles, and not before', async () => {
    const c = counter([1, 2, 3, 4, 5]);
    const pool = new LeasePool(c.options({ maxUnits: 5 }));
    const claim = await pool.claim(1);
    if (claim.kind !== 'units') throw new Error('no units');
    c.tick(199);
    pool.tick();
    expect(claim.lease.retired).toBe(false);
    c.tick(1);
    pool.tick();
    // Retired (idle), but a write of it is in flight: not ended yet.
    expect(c.ended).toHaveLength(0);
    pool.settle(claim.lease, claim.units, 'sold');
    expect(c.ended).toHaveLength(1);
    expect(pool.idle()).toBe(true);
  });

  it('puts unsold units back while the lease serves, never after it retired', async () => {
    const c = counter([1, 2, 3]);
    const pool = new LeasePool(c.options({ maxUnits: 3 }));
    const [a] = await Promise.all([pool.claim(1), pool.claim(1)]);
    if (a?.kind !== 'units') throw new Error('no units');
    pool.settle(a.lease, a.units, 'unsold');
    expect(a.lease.free).toContain(a.units[0]);
    const b = await pool.claim(1);
    if (b.kind !== 'units') throw new Error('no units');
    pool.retire(b.lease);
    pool.settle(b.lease, b.units, 'unsold');
    // A retired lease's units are not handed out again: its close in PostgreSQL finds them unsold.
    expect(b.lease.free).not.toContain(b.units[0]);
    // One claim of it is still in flight: it ends when that settles.
    expect(c.ended).toHaveLength(0);
  });

  it('retires a lease too small for the next buyer and serves that buyer from a new one', async () => {
    const c = counter([1, 2, 3]);
    const pool = new LeasePool(c.options({ maxUnits: 1 }));
    const first = await pool.claim(1);
    expect(first).toMatchObject({ kind: 'units', units: [1] });
    if (first.kind === 'units') pool.settle(first.lease, first.units, 'sold');
    const second = await pool.claim(2);
    expect(second.kind === 'units' ? second.units.length : 0).toBe(2);
    expect(c.ended.map((lease) => lease.id)).toEqual(['L1']);
  });

  it('refuses only the buyers wanting more than is left, in one call, and serves the smaller ones', async () => {
    const c = counter([1]);
    const pool = new LeasePool(c.options());
    const claims = await Promise.all([pool.claim(2), pool.claim(3), pool.claim(1)]);
    expect(claims.map((claim) => claim.kind)).toEqual(['sold_out', 'sold_out', 'units']);
    expect(c.takes).toEqual([{ want: 4, least: 2 }, { want: 4, least: 1 }]);
  });

  it('passes a failure to take a lease to every buyer waiting for it', async () => {
    const c = counter([1]);
    const pool = new LeasePool({ ...c.options(), take: () => Promise.reject(new Error('redis down')) });
    await expect(Promise.all([pool.claim(1), pool.claim(1)])).rejects.toThrow('redis down');
    expect(pool.idle()).toBe(true);
  });
});
