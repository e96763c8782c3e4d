import { type Kysely, sql } from 'kysely';
import type { Database, NewOrder, Order } from '../schema.js';

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

export interface UnitsSold {
  confirmedUnits: number;
  confirmedOrders: number;
  /** Confirmed units that skus.stock does not include yet (Redis decided them; the catch-up subtracts them in batches). */
  unitsNotInPgStock: number;
}

/** What the orders table says was sold: the truth every audit is computed from. */
export async function unitsSold(db: Db, sku: string): Promise<UnitsSold> {
  const row = await db
    .selectFrom('orders')
    .select([
      sql<string>`coalesce(sum(quantity) filter (where status = 'confirmed'), 0)`.as('confirmed_units'),
      sql<string>`count(*) filter (where status = 'confirmed')`.as('confirmed_orders'),
      sql<string>`coalesce(sum(quantity) filter (where status = 'confirmed' and not stock_applied), 0)`.as('units_not_in_pg_stock'),
    ])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();
  // sum() and count() are bigint in PostgreSQL, which pg hands back as strings.
  return {
    confirmedUnits: Number(row.confirmed_units),
    confirmedOrders: Number(row.confirmed_orders),
    unitsNotInPgStock: Number(row.units_not_in_pg_stock),
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

/**
 * Several orders in one INSERT, skipping any whose Idempotency-Key has an
 * order already (a retry): one bad row must not fail the others. Returns the
 * keys it inserted.
 */
export async function insertNewOrders(db: Db, orders: readonly NewOrder[]): Promise<Set<string>> {
  if (orders.length === 0) return new Set();
  const rows = await db
    .insertInto('orders')
    .values([...orders])
    .onConflict((oc) => oc.column('idempotency_key').doNothing())
    .returning('idempotency_key')
    .execute();
  return new Set(rows.map((row) => row.idempotency_key));
}

/** Which of these Idempotency-Keys already have an order (a redelivered or re-sent purchase). */
export async function keysWithOrders(db: Db, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.selectFrom('orders').select('idempotency_key').where('idempotency_key', 'in', keys).execute();
  return new Set(rows.map((row) => row.idempotency_key));
}

/** Which of these order ids exist (the audit's test of a queued purchase being applied). */
export async function existingOrderIds(db: Db, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('orders').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((row) => row.id));
}
