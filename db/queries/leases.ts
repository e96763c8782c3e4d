import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

type Db = Kysely<Database>;

/** A lease as Redis recorded it: its id, SKU and units (an int4multirange literal). */
export interface LeaseRow {
  id: string;
  sku: string;
  units: string;
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
      insert into leases (id, sku, units, stock_moved) values (${lease.id}::uuid, ${lease.sku}, ${units}, true)
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
 * Closes a lease and fixes what it gives back: its units no order holds.
 * The first statement takes the row's lock, so it waits for every order
 * insert of the lease still running (each holds the row FOR SHARE, see
 * insertUnitOrders); an insert that comes after re-reads the row closed and
 * inserts nothing. So the second statement, a new snapshot, sees every order
 * the lease will ever have. A lease PostgreSQL never heard of (its holder
 * died between Redis and here) is inserted closed. The first close puts the
 * unsold units back on skus.stock. Idempotent: closing again finds the same
 * units unsold and changes nothing.
 * Returns the unsold units as PostgreSQL writes a multirange ('{[3,5)}').
 */
export async function closeLease(db: Db, lease: LeaseRow): Promise<string> {
  await sql`
    insert into leases (id, sku, units, closed_at) values (${lease.id}::uuid, ${lease.sku}, ${lease.units}::int4multirange, now())
    on conflict (id) do update set closed_at = coalesce(leases.closed_at, now())`.execute(db);
  const { rows } = await sql<{ unsold: string }>`
    with lease as (
      select id, units from leases where id = ${lease.id}::uuid
    ), unsold as (
      select lease.units - coalesce((
        select range_agg(u) from orders cross join lateral unnest(orders.units) as u
        where orders.sku = ${lease.sku} and orders.units && lease.units
      ), '{}'::int4multirange) as units
      from lease
    ), fixed as (
      update leases set returned_units = (select coalesce(sum(upper(r) - lower(r)), 0) from unsold cross join lateral unnest(unsold.units) as r)
      where id = ${lease.id}::uuid and returned_units is null
      returning returned_units, stock_moved
    ), moved as (
      -- The first close only: the unsold units are on sale again in PostgreSQL's count too.
      update skus set stock = stock + fixed.returned_units, version = version + 1
      from fixed where skus.sku = ${lease.sku} and fixed.stock_moved and fixed.returned_units > 0
    )
    select units::text as unsold from unsold`.execute(db);
  return rows[0]?.unsold ?? '{}';
}

export interface LeaseFigures {
  /** Units every lease of the SKU took from the counter. */
  leasedUnits: number;
  /** Units ended leases gave back (none of their orders held them). */
  returnedUnits: number;
  /** Units of open leases that no order holds: off sale until their lease ends. */
  liveLeasedUnits: number;
}

/** The audit's view of the SKU's leases; read in the audit's snapshot. */
export async function leaseFigures(db: Db, sku: string): Promise<LeaseFigures> {
  const { rows } = await sql<{ leased: string; returned: string; live: string }>`
    select
      coalesce(sum((select sum(upper(r) - lower(r)) from unnest(l.units) as r)), 0)::text as leased,
      coalesce(sum(l.returned_units), 0)::text as returned,
      coalesce(sum(live.units) filter (where l.closed_at is null), 0)::text as live
    from leases l
    cross join lateral (
      select coalesce(sum(upper(r) - lower(r)), 0) as units
      from unnest(l.units - coalesce((
        select range_agg(u) from orders cross join lateral unnest(orders.units) as u
        where l.closed_at is null and orders.sku = l.sku and orders.units && l.units
      ), '{}'::int4multirange)) as r
    ) as live
    where l.sku = ${sku}`.execute(db);
  const row = rows[0];
  return { leasedUnits: Number(row?.leased ?? 0), returnedUnits: Number(row?.returned ?? 0), liveLeasedUnits: Number(row?.live ?? 0) };
}

/** Whether the lease's fence row is open (an order of it may still be written). */
export async function leaseIsOpen(db: Db, leaseId: string): Promise<boolean> {
  const row = await db.selectFrom('leases').select('closed_at').where('id', '=', leaseId).executeTakeFirst();
  return row !== undefined && row.closed_at === null;
}
