import { type Kysely, sql } from 'kysely';
import type { Database, NewOrder, Order } from '../schema.js';
import { soldUnitsIn } from './sold-units.js';

type Db = Kysely<Database>;

export async function insertOrder(db: Db, order: NewOrder): Promise<void> {
  await db.insertInto('orders').values(order).execute();
}

export async function findOrder(db: Db, id: string): Promise<Order | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findOrderByIdempotencyKey(db: Db, key: string): Promise<Order | undefined> {
  return db.selectFrom('orders').selectAll().where('idempotency_key', '=', key).executeTakeFirst();
}

/** The orders of these Idempotency-Keys (one statement for a batch of lookups). */
export async function findOrdersByIdempotencyKeys(db: Db, keys: readonly string[]): Promise<Order[]> {
  if (keys.length === 0) return [];
  return db.selectFrom('orders').selectAll().where('idempotency_key', 'in', [...keys]).execute();
}

/** The Idempotency-Keys of the SKU's orders, any status: at most `limit` (the caller asks one more to learn there are more). */
export async function orderKeysOfSku(db: Db, sku: string, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('orders').select('idempotency_key').where('sku', '=', sku).limit(limit).execute();
  return rows.map((row) => row.idempotency_key);
}

export interface UnitsSold {
  confirmedUnits: number;
  confirmedOrders: number;
  /** Confirmed units that skus.stock does not include yet (Redis decided them; the catch-up subtracts them in batches). */
  unitsNotInPgStock: number;
  /** Units in live holds (strategy reserve): out of the stock until confirmed or released. */
  reservedUnits: number;
  /** Units of holds that ended without payment (cancelled or expired): back in the stock. */
  releasedUnits: number;
}

/** What the orders table says was sold: the truth every audit is computed from. */
export async function unitsSold(db: Db, sku: string): Promise<UnitsSold> {
  const row = await db
    .selectFrom('orders')
    .select([
      sql<string>`coalesce(sum(quantity) filter (where status = 'confirmed'), 0)`.as('confirmed_units'),
      sql<string>`count(*) filter (where status = 'confirmed')`.as('confirmed_orders'),
      sql<string>`coalesce(sum(quantity) filter (where status = 'confirmed' and not stock_applied), 0)`.as('units_not_in_pg_stock'),
      sql<string>`coalesce(sum(quantity) filter (where status = 'reserved'), 0)`.as('reserved_units'),
      sql<string>`coalesce(sum(quantity) filter (where status in ('cancelled', 'expired')), 0)`.as('released_units'),
    ])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();
  // sum() and count() are bigint in PostgreSQL, which pg hands back as strings.
  return {
    confirmedUnits: Number(row.confirmed_units),
    confirmedOrders: Number(row.confirmed_orders),
    unitsNotInPgStock: Number(row.units_not_in_pg_stock),
    reservedUnits: Number(row.reserved_units),
    releasedUnits: Number(row.released_units),
  };
}

export interface DelayPercentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * Milliseconds from an order's creation (its request) to its confirmation, for
 * orders confirmed after they were created: the asynchronous ones. Synchronous
 * strategies insert a confirmed row whose updated_at equals created_at (both
 * now() of one transaction), so they are left out without naming strategies.
 */
export async function confirmationDelays(db: Db, sku: string): Promise<DelayPercentiles> {
  const ms = sql<number>`extract(epoch from (updated_at - created_at)) * 1000`;
  const row = await db
    .selectFrom('orders')
    .select([
      sql<string>`count(*)`.as('count'),
      sql<number | null>`percentile_cont(0.5) within group (order by ${ms})`.as('p50'),
      sql<number | null>`percentile_cont(0.95) within group (order by ${ms})`.as('p95'),
      sql<number | null>`percentile_cont(0.99) within group (order by ${ms})`.as('p99'),
      sql<number | null>`max(${ms})`.as('max'),
    ])
    .where('sku', '=', sku)
    .where('status', '=', 'confirmed')
    .where(sql<boolean>`updated_at > created_at`)
    // A paid hold (reserve) was confirmed by its buyer, not a worker.
    .where('expires_at', 'is', null)
    .executeTakeFirstOrThrow();
  // percentile_cont is double precision (a number); max of a numeric expression comes back as a string.
  const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
  return { count: Number(row.count), p50: num(row.p50), p95: num(row.p95), p99: num(row.p99), max: num(row.max) };
}

export interface ConfirmationSpan {
  /** Orders confirmed after they were created (the asynchronous ones). */
  orders: number;
  units: number;
  /** Milliseconds from the first to the last of those confirmations; null with fewer than two. */
  spanMs: number | null;
  /** When the last of them was confirmed (ISO); null when there is none. */
  lastAt: string | null;
}

/**
 * How fast a worker confirmed the asynchronous orders of a SKU: units over
 * the time from the first confirmation to the last. Same selection as
 * confirmationDelays (updated_at after created_at).
 */
export async function confirmationSpan(db: Db, sku: string): Promise<ConfirmationSpan> {
  const row = await db
    .selectFrom('orders')
    .select([
      sql<string>`count(*)`.as('orders'),
      sql<string>`coalesce(sum(quantity), 0)`.as('units'),
      sql<string | null>`extract(epoch from (max(updated_at) - min(updated_at))) * 1000`.as('span_ms'),
      sql<Date | null>`max(updated_at)`.as('last_at'),
    ])
    .where('sku', '=', sku)
    .where('status', '=', 'confirmed')
    .where(sql<boolean>`updated_at > created_at`)
    // A paid hold (reserve) was confirmed by its buyer, not a worker.
    .where('expires_at', 'is', null)
    .executeTakeFirstOrThrow();
  const orders = Number(row.orders);
  return {
    orders,
    units: Number(row.units),
    spanMs: orders < 2 || row.span_ms === null ? null : Number(row.span_ms),
    lastAt: row.last_at === null ? null : new Date(row.last_at).toISOString(),
  };
}

/** Several orders in one INSERT: the queue worker writes a batch's orders with one statement. */
export async function insertOrders(db: Db, orders: NewOrder[]): Promise<void> {
  if (orders.length > 0) await db.insertInto('orders').values(orders).execute();
}

/** A confirmed order that names the units it took (redis-lua, redis-lease). */
export interface UnitOrder {
  id: string;
  sku: string;
  userId: string;
  quantity: number;
  strategy: string;
  idempotencyKey: string;
  /** A multirange literal, e.g. '{[5,6),[9,12)}'. */
  units: string;
  /** The stock lease it sells from (redis-lease's share, redis-buckets' fill), whose fence its INSERT passes. */
  leaseId?: string;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Appends confirmed orders that name their units, in one statement, with
 * skus.stock left for the catch-up (stock_applied = false), or, for orders of
 * a lease, already counted (openLease took the lease's units off it). PostgreSQL
 * decides what is sold: a row is skipped when its Idempotency-Key has an
 * order already, when a unit lies beyond the SKU's initial stock and restocks,
 * when the SKU is unknown, or (for an order of a lease) when its lease is closed or lacks the unit;
 * returns the ids of the orders inserted, and the caller asks why for the rest. A unit another order
 * holds fails the whole statement instead (unique_violation on sold_units_pkey, from the INSERT's
 * trigger: migration 2026-12-09T00-00-sold-units), as a buyer past the per-user limit does. A batch is all of leases (each row its own; `leaseId` names one for the
 * orders that name none) or all without.
 */
export async function insertUnitOrders(db: Db, batch: readonly UnitOrder[], leaseId?: string): Promise<Set<string>> {
  if (batch.length === 0) return new Set();
  const leased = batch.map((order) => order.leaseId ?? leaseId);
  const ofLeases = leased.every((id) => id !== undefined);
  if (!ofLeases && leased.some((id) => id !== undefined)) throw new Error('a batch of unit orders mixes orders of leases with orders of none');
  // By buyer, then by key: on a limited SKU each row's trigger locks its buyer's user_purchases
  // row, and a key another process is inserting makes this insert wait for that transaction. Two
  // API processes writing batches of one SKU at once (the same keys sent to both) must take those
  // locks in the same order, or PostgreSQL ends one with a deadlock: sorted by buyer alone, two
  // keys of one buyer went in each process's arrival order, and the two batches deadlocked.
  const order = (a: UnitOrder, b: UnitOrder): number => compare(a.userId, b.userId) || compare(a.idempotencyKey, b.idempotencyKey);
  const orders = [...batch].sort(order);
  const column = <T>(pick: (order: UnitOrder) => T): T[] => orders.map(pick);
  const fields = sql`
      ${column((o) => o.id)}::uuid[], ${column((o) => o.sku)}::text[], ${column((o) => o.userId)}::text[],
      ${column((o) => o.quantity)}::int[], ${column((o) => o.strategy)}::text[], ${column((o) => o.idempotencyKey)}::text[],
      ${column((o) => o.units)}::int4multirange[]`;
  const { rows } = ofLeases
    ? await sql<{ id: string }>`
    insert into orders (id, sku, user_id, quantity, strategy, status, idempotency_key, stock_applied, units, lease_id)
    select i.id, i.sku, i.user_id, i.quantity, i.strategy, 'confirmed', i.idempotency_key, true, i.units, i.lease_id
    from unnest(${fields}, ${column((o) => o.leaseId ?? leaseId ?? null)}::uuid[]) as i(id, sku, user_id, quantity, strategy, idempotency_key, units, lease_id)
    join skus on skus.sku = i.sku
    ${leaseFence}
    where upper(i.units) <= skus.initial_stock + skus.restocked_units + 1
    for share of leases
    on conflict do nothing
    returning id::text as id`.execute(db)
    : await sql<{ id: string }>`
    insert into orders (id, sku, user_id, quantity, strategy, status, idempotency_key, stock_applied, units)
    select i.id, i.sku, i.user_id, i.quantity, i.strategy, 'confirmed', i.idempotency_key, false, i.units
    from unnest(${fields}) as i(id, sku, user_id, quantity, strategy, idempotency_key, units)
    join skus on skus.sku = i.sku
    where upper(i.units) <= skus.initial_stock + skus.restocked_units + 1
    on conflict do nothing
    returning id::text as id`.execute(db);
  return new Set(rows.map((row) => row.id));
}

/** Which of these orders (all of `sku`) name a unit that some order holds (sold_units), by order id. */
export async function ordersNamingSoldUnits(db: Db, sku: string, orders: readonly UnitOrder[]): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const { rows } = await sql<{ id: string }>`
    select distinct o.id::text as id
    from unnest(${orders.map((order) => order.id)}::uuid[], ${orders.map((order) => order.units)}::int4multirange[]) as o(id, units)
    join sold_units s on ${soldUnitsIn(sku, sql`o.units`)}`.execute(db);
  return new Set(rows.map((row) => row.id));
}

/**
 * Orders of leases: each row is inserted only while its lease is open and
 * only for units its lease holds. FOR SHARE on the lease rows (above) makes
 * whoever closes one wait for this insert's commit, and an insert that comes
 * after the close re-reads the row and finds it closed (closeLease, leases.ts).
 */
const leaseFence = sql`join leases on leases.id = i.lease_id and leases.closed_at is null and leases.sku = i.sku and i.units <@ leases.units`;

/**
 * The unit names 1..`top` that no order of the SKU holds, as inclusive
 * ranges, and how many they are: what a rebuilt Redis counter may hand out
 * (redis-lua names units; see rebuild-counter-5.lua).
 */
export async function freeUnitNames(db: Db, sku: string, top: number): Promise<{ ranges: Array<[number, number]>; count: number }> {
  const { rows } = await sql<{ free: string }>`
    select (int4multirange(int4range(1, ${top + 1})) - coalesce(range_agg(int4range(unit, unit + 1)), '{}'::int4multirange))::text as free
    from sold_units where sku = ${sku} and unit <= ${top}`.execute(db);
  const ranges = parseMultirange(rows[0]?.free ?? '{}');
  return { ranges, count: ranges.reduce((sum, [lo, hi]) => sum + hi - lo + 1, 0) };
}

/** PostgreSQL's text of an int4multirange ('{[1,3),[5,6)}', half-open) as inclusive ranges. */
export function parseMultirange(text: string): Array<[number, number]> {
  return [...text.matchAll(/\[(\d+),(\d+)\)/g)].map((m): [number, number] => [Number(m[1]), Number(m[2]) - 1]);
}

/** The reason on an order id closed before its INSERT came (see closeUnwrittenOrder). */
export const givenBackReason = 'given_back';

/** An order id whose units are about to be given back: who it was for, as far as known. */
export interface UnwrittenOrder {
  id: string;
  sku: string;
  /** Unknown to the reconciler (Redis keeps the order id and units, not the buyer): ''. */
  userId: string;
  quantity: number;
  strategy: string;
}

/**
 * Makes sure an order id can no longer be written, before its units are
 * given back: inserts a rejected row under that id (reason 'given_back',
 * under a key of its own, with spaces, which no client's Idempotency-Key
 * (visible ASCII only) can be, so the buyer's key stays free for a retry;
 * no units, nothing for the stock catch-up). An INSERT of the real
 * order still in flight (sent before PostgreSQL paused, or before its
 * client gave up) either committed first, and this one finds the id taken,
 * or comes later and skips the row (on conflict do nothing). The primary key
 * decides, and it waits for an INSERT in progress: asking "is there an
 * order?" could not, since an uncommitted row is invisible.
 * 'written': the real order exists, keep the units. 'closed': it never will.
 */
export async function closeUnwrittenOrder(db: Db, order: UnwrittenOrder): Promise<'written' | 'closed'> {
  const { rows } = await sql<{ id: string }>`
    insert into orders (id, sku, user_id, quantity, strategy, status, reason, idempotency_key, stock_applied)
    select ${order.id}::uuid, sku, ${order.userId}, ${order.quantity}, ${order.strategy}, 'rejected', ${givenBackReason}, ${`given back ${order.id}`}, true
    from skus where sku = ${order.sku}
    on conflict do nothing
    returning id`.execute(db);
  if (rows.length > 0) return 'closed';
  // Taken: by the order itself, or by another process closing it first. No row: the SKU is unknown, so no order can come.
  const existing = await findOrder(db, order.id);
  return existing !== undefined && existing.reason !== givenBackReason ? 'written' : 'closed';
}

/**
 * Which of these keys have an order of the SKU, counting orders other
 * transactions are writing right now (order_keys_taken, migration
 * 2026-12-06T00-00-leases: an INSERT of a key waits for such a transaction,
 * and the rows it inserts are rolled back). For a strategy that refuses
 * without touching PostgreSQL (a lease with no units left) while the same
 * key may be selling in another process.
 */
export async function keysTakenAfterWriters(db: Db, sku: string, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await sql<{ taken: string[] }>`select order_keys_taken(${sku}, ${[...keys]}::text[]) as taken`.execute(db);
  return new Set(rows[0]?.taken ?? []);
}

/** Which of these order ids were closed by closeUnwrittenOrder (their units given back, or about to be). */
export async function closedOrderIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('orders').select('id').where('id', 'in', ids).where('reason', '=', givenBackReason).execute();
  return new Set(rows.map((row) => row.id));
}

/** Which of these Idempotency-Keys already have an order (a redelivered or re-sent purchase). */
export async function keysWithOrders(db: Db, keys: string[]): Promise<Set<string>> {
  return new Set((await orderIdsByKey(db, keys)).keys());
}

/** The order id each of these keys has, for those that have an order. */
export async function orderIdsByKey(db: Db, keys: string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const rows = await db.selectFrom('orders').select(['idempotency_key', 'id']).where('idempotency_key', 'in', keys).execute();
  return new Map(rows.map((row) => [row.idempotency_key, row.id]));
}

/**
 * Which of these order ids have their order (the audit's test of a queued
 * purchase being applied; the reconciler's of a deduction). An id closed by
 * closeUnwrittenOrder is not an order: its units are still to be given back.
 */
export async function existingOrderIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('orders')
    .select('id')
    .where('id', 'in', ids)
    .where((eb) => eb.or([eb('reason', 'is', null), eb('reason', '!=', givenBackReason)]))
    .execute();
  return new Set(rows.map((row) => row.id));
}
