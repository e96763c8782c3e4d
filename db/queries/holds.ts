import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database, Order } from '../schema.js';

type Db = Kysely<Database>;

/**
 * Every end of a hold (strategy reserve) is decided here, in PostgreSQL,
 * where the hold was taken. Confirm, cancel and expiry are each ONE
 * conditional statement on `status = 'reserved'`: under READ COMMITTED a
 * statement that waited for the order's row lock re-checks that condition on
 * the newest version, so whichever commits first ends the hold and the other
 * matches nothing. Confirm and expiry read the same clock (now() of
 * PostgreSQL), so there is no skew between the store that times the hold
 * and the one that takes the payment. Units go back to skus.stock in the
 * statement that ends the hold: no second write to lose.
 */

/** Confirms a live hold under `key`; undefined when it was not a live hold (read it to say why). */
export async function confirmHold(db: Db, orderId: string, key: string): Promise<Order | undefined> {
  return db
    .updateTable('orders')
    .set({ status: 'confirmed', settle_key: key, updated_at: sql<Date>`now()` })
    .where('id', '=', orderId)
    .where('status', '=', 'reserved')
    .where('expires_at', '>', sql<Date>`now()`)
    .returningAll()
    .executeTakeFirst();
}

/** What a cancel or an expiry gave back, per SKU: units, and the holds they were in. */
export interface ReleasedUnits {
  sku: string;
  units: number;
  holds: number;
}

/**
 * Ends holds and gives their units back to skus.stock, in one statement.
 * `ended` picks the holds, already locked; the caller's statement ends them.
 */
async function release(db: Db, ended: RawBuilder<{ id: string }>, status: 'cancelled' | 'expired', key: string | null): Promise<ReleasedUnits[]> {
  const result = await sql<ReleasedUnits>`
    with picked as (${ended}),
    ended as (
      update orders o set status = ${status}, settle_key = ${key}, updated_at = now()
      from picked where o.id = picked.id and o.status = 'reserved'
      returning o.sku, o.quantity
    ),
    per_sku as (select sku, sum(quantity)::int as units, count(*)::int as holds from ended group by sku),
    returned as (
      update skus s set stock = s.stock + per_sku.units, version = s.version + 1
      from per_sku where s.sku = per_sku.sku
      returning s.sku
    )
    select sku, units, holds from per_sku`.execute(db);
  return result.rows;
}

/** Cancels a hold (even one past its end that the sweeper has not reached) under `key`; [] when it was not a hold. */
export async function cancelHold(db: Db, orderId: string, key: string): Promise<ReleasedUnits[]> {
  return release(db, sql<{ id: string }>`select id from orders where id = ${orderId} and status = 'reserved' for update`, 'cancelled', key);
}

/**
 * Releases up to `limit` holds that ended by `cutoff` (PostgreSQL's time, from
 * skusWithDueHolds), oldest first. SKIP LOCKED: a
 * hold being confirmed at this moment (its row locked) is left to that
 * confirm, and several sweepers never wait for each other. A sweeper killed
 * mid-statement rolls back: its holds are still `reserved`, and the next
 * sweep takes them. Holds of several SKUs in one statement lock their SKU
 * rows in the plan's order, so two sweepers (or a sweeper and the stock
 * catch-up) can deadlock: PostgreSQL aborts one, whose holds stay for the
 * next round.
 */
export async function expireDueHolds(db: Db, limit: number, cutoff: Date): Promise<ReleasedUnits[]> {
  return release(
    db,
    sql<{ id: string }>`select id from orders where status = 'reserved' and expires_at <= ${cutoff} order by expires_at limit ${limit} for update skip locked`,
    'expired',
    null,
  );
}

/** SKUs with holds past their end now, and that now: what the next expireDueHolds up to it gives units back to. */
export async function skusWithDueHolds(db: Db): Promise<{ skus: string[]; cutoff: Date }> {
  const { rows } = await sql<{ now: Date; skus: string[] }>`
    select now() as now, array(select distinct sku from orders where status = 'reserved' and expires_at <= now()) as skus`.execute(db);
  const row = rows[0];
  return { skus: row?.skus ?? [], cutoff: row?.now ?? new Date(0) };
}

/** Whether `key` settled an order other than `orderId` (the partial unique index on settle_key answers it). */
export async function keySettledAnother(db: Db, key: string, orderId: string): Promise<boolean> {
  const row = await db.selectFrom('orders').select('id').where('settle_key', '=', key).where('id', '<>', orderId).executeTakeFirst();
  return row !== undefined;
}

/** Expires one hold past its end now, as the sweeper would (a confirm that came too late). */
export async function expireHoldIfDue(db: Db, orderId: string): Promise<ReleasedUnits[]> {
  return release(db, sql<{ id: string }>`select id from orders where id = ${orderId} and status = 'reserved' and expires_at <= now() for update`, 'expired', null);
}
