import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import { soldUnitsIn } from './sold-units.js';

type Db = Kysely<Database>;

/** A lease as Redis recorded it: its id, SKU, units (an int4multirange literal) and the ledger that lists it. */
export interface LeaseRow {
  id: string;
  sku: string;
  units: string;
  ledger: string;
}

/** How many units a multirange holds, in SQL. */
const unitCount = (units: ReturnType<typeof sql>) => sql`(select coalesce(sum(upper(r) - lower(r)), 0) from unnest(${units}) as r)`;

/**
 * Opens the lease's fence row, right after Redis handed out its units, and
 * takes them off skus.stock in the same statement (one hot-row update per
 * lease, not per sale: its orders are written as applied). False when a row
 * was there and closed: whoever ended the lease (the reconciler of a
 * process, the holder having stalled past its lifetime) came first, and the
 * holder may sell none of it.
 */
export async function openLease(db: Db, lease: LeaseRow): Promise<boolean> {
  const units = sql`${lease.units}::int4multirange`;
  const { rows } = await sql<{ open: boolean }>`
    with opened as (
      insert into leases (id, sku, units, ledger, stock_moved) values (${lease.id}::uuid, ${lease.sku}, ${units}, ${lease.ledger}, true)
      on conflict (id) do update set id = leases.id
      returning closed_at is null as open, xmax = 0 as inserted
    ), moved as (
      update skus set stock = stock - ${unitCount(units)}, version = version + 1
      where sku = ${lease.sku} and (select inserted from opened)
    )
    select open from opened`.execute(db);
  return rows[0]?.open === true;
}

/**
 * The units of `lease` that orders hold: any order's (`own` false) or the lease's own orders'. Read
 * from sold_units (one row per unit an order holds, with the order's lease) by its primary key's
 * range over the lease's units: a few hundred rows, whatever the SKU sold before.
 */
function heldUnits(lease: ReturnType<typeof sql>, own: boolean) {
  return sql`coalesce((
    select range_agg(int4range(s.unit, s.unit + 1)) from sold_units s
    where ${soldUnitsIn(sql`${lease}.sku`, sql`${lease}.units`)} ${own ? sql`and s.lease_id = ${lease}.id` : sql``}
  ), '{}'::int4multirange)`;
}

/**
 * Closes a lease and fixes what it gives back. The first statement takes
 * the row's lock, so it waits for every order insert of the lease still
 * running (each holds the row FOR SHARE, see insertUnitOrders); an insert
 * that comes after re-reads the row closed and inserts nothing. So the
 * second statement, a new snapshot, sees every order the lease will ever
 * have. A lease PostgreSQL never heard of (its holder died between Redis
 * and here) is inserted closed.
 *
 * Two counts come out of it. The lease's units its own orders do not hold
 * are `returned_units`, back on skus.stock (the first close only). Of those,
 * the ones no order holds at all go back to the Redis counter (returned as a
 * multirange, '{[3,5)}'); the rest were refused to the lease because other
 * orders hold them (Redis had lost writes and handed them out again) and are
 * sold already, so they stay off the counter. Idempotent: closing again
 * finds the same units and changes nothing.
 */
export async function closeLease(db: Db, lease: LeaseRow): Promise<string> {
  await sql`
    insert into leases (id, sku, units, ledger, closed_at) values (${lease.id}::uuid, ${lease.sku}, ${lease.units}::int4multirange, ${lease.ledger}, now())
    on conflict (id) do update set closed_at = coalesce(leases.closed_at, now())`.execute(db);
  const row = sql.ref('lease');
  const { rows } = await sql<{ unsold: string }>`
    with lease as (
      select id, sku, units from leases where id = ${lease.id}::uuid
    ), counts as (
      select lease.units - ${heldUnits(row, false)} as unsold, lease.units - ${heldUnits(row, true)} as unsold_here
      from lease
    ), fixed as (
      update leases set returned_units = (select coalesce(sum(upper(r) - lower(r)), 0) from counts cross join lateral unnest(counts.unsold_here) as r)
      where id = ${lease.id}::uuid and returned_units is null
      returning returned_units, stock_moved
    ), moved as (
      update skus set stock = stock + fixed.returned_units, version = version + 1
      from fixed where skus.sku = ${lease.sku} and fixed.stock_moved and fixed.returned_units > 0
    )
    select unsold::text as unsold from counts`.execute(db);
  return rows[0]?.unsold ?? '{}';
}

export interface LeaseFigures {
  /** Units every lease of the SKU took from the counter. */
  leasedUnits: number;
  /** Units ended leases gave back: those none of their own orders held (back on skus.stock). */
  returnedUnits: number;
  /**
   * Units of leases not ended yet that none of their orders holds: off sale until their lease ends.
   * A lease being closed counts until its returned units are fixed (closeLease's second statement):
   * in between, it is closed and its units are not back on skus.stock yet.
   */
  liveLeasedUnits: number;
}

/** The audit's view of the SKU's leases; read in the audit's snapshot. */
export async function leaseFigures(db: Db, sku: string): Promise<LeaseFigures> {
  const row = sql.ref('l');
  const { rows } = await sql<{ leased: string; returned: string; live: string }>`
    select
      coalesce(sum((select sum(upper(r) - lower(r)) from unnest(l.units) as r)), 0)::text as leased,
      coalesce(sum(l.returned_units), 0)::text as returned,
      coalesce(sum(live.units), 0)::text as live
    from leases l
    left join lateral (
      select coalesce(sum(upper(r) - lower(r)), 0) as units from unnest(l.units - ${heldUnits(row, true)}) as r
    ) as live on l.returned_units is null
    where l.sku = ${sku}`.execute(db);
  const found = rows[0];
  return { leasedUnits: Number(found?.leased ?? 0), returnedUnits: Number(found?.returned ?? 0), liveLeasedUnits: Number(found?.live ?? 0) };
}

/** Which of these leases are not open (closed, or never opened): no order of them can be written. */
export async function leasesNotOpen(db: Db, leaseIds: readonly string[]): Promise<Set<string>> {
  if (leaseIds.length === 0) return new Set();
  const open = await db.selectFrom('leases').select('id').where('id', 'in', leaseIds).where('closed_at', 'is', null).execute();
  const isOpen = new Set(open.map((row) => row.id));
  return new Set(leaseIds.filter((id) => !isOpen.has(id)));
}

/**
 * Leases of one ledger not ended yet, taken more than `olderThanMs` ago: a
 * lease Redis no longer lists (its data lost with its holder) is found here,
 * not by the ledger; so is one whose close stopped half-way (closed, its
 * returned units not fixed: closing again finishes it).
 */
export async function staleOpenLeases(db: Db, ledger: string, olderThanMs: number, limit: number): Promise<LeaseRow[]> {
  const { rows } = await sql<LeaseRow>`
    select id::text as id, sku, units::text as units, ledger from leases
    where returned_units is null and ledger = ${ledger} and taken_at < now() - make_interval(secs => ${olderThanMs / 1000})
    order by taken_at limit ${limit}`.execute(db);
  return rows;
}
