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

/** What a cancel or an expiry gave back, per SKU: units, the holds they were in, and the SKU's units given back ever since. */
export interface ReleasedUnits {
  sku: string;
  units: number;
  holds: number;
  releasedTotal: number;
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
      update skus s set stock = s.stock + per_sku.units, version = s.version + 1, released_units = s.released_units + per_sku.units
      from per_sku where s.sku = per_sku.sku
      returning s.sku, s.released_units
    )
    select per_sku.sku, units, holds, released_units as "releasedTotal" from per_sku join returned using (sku)`.execute(db);
  return result.rows;
}

/** Cancels a hold (even one past its end that the sweeper has not reached) under `key`; [] when it was not a hold. */
export async function cancelHold(db: Db, orderId: string, key: string): Promise<ReleasedUnits[]> {
  return release(db, sql<{ id: string }>`select id from orders where id = ${orderId} and status = 'reserved' for update`, 'cancelled', key);
}

/**
 * Releases up to `limit` holds of one SKU past their end now, oldest first.
 * One SKU per statement: the statement waits only for that SKU's row, so a
 * SKU whose row another transaction holds (a lock strategy's buyer, a stalled
 * session) delays its own holds and no other SKU's. When one statement took
 * holds of every due SKU, one locked row held them all: measured, a row held
 * for 12 s kept another SKU's lapsed holds for 9.5 s (statement timeouts,
 * then the same holds first again). It also locks one SKU row, so two
 * sweepers cannot deadlock on SKU rows. SKIP LOCKED: a hold being confirmed
 * at this moment (its row locked) is left to that confirm, and several
 * sweepers never wait for each other's holds. A sweeper killed mid-statement
 * rolls back: its holds are still `reserved`, and the next sweep takes them.
 */
export async function expireDueHolds(db: Db, sku: string, limit: number): Promise<ReleasedUnits[]> {
  return release(
    db,
    sql<{ id: string }>`select id from orders where sku = ${sku} and status = 'reserved' and expires_at <= now() order by expires_at limit ${limit} for update skip locked`,
    'expired',
    null,
  );
}

/** Up to `limit` SKUs with holds past their end now, the longest overdue first. */
export async function skusWithDueHolds(db: Db, limit: number): Promise<string[]> {
  const { rows } = await sql<{ sku: string }>`
    select sku from orders where status = 'reserved' and expires_at <= now()
    group by sku order by min(expires_at) limit ${limit}`.execute(db);
  return rows.map((row) => row.sku);
}

/** A SKU whose released units the Redis counter may not have yet: the total to copy up to. */
export interface UncopiedRelease {
  sku: string;
  releasedTotal: number;
}

/** SKUs with released units no process has said it copied to Redis (the partial index holds only those). */
export async function uncopiedReleases(db: Db, limit: number): Promise<UncopiedRelease[]> {
  return db
    .selectFrom('skus')
    .select(['sku', 'released_units as releasedTotal'])
    .where(sql<boolean>`released_units > released_copied`)
    .limit(limit)
    .execute();
}

/** Records that the Redis counter has the SKU's releases up to `total`; never moves back (copies may land out of order). */
export async function markReleasesCopied(db: Db, sku: string, total: number): Promise<void> {
  await db.updateTable('skus').set({ released_copied: total }).where('sku', '=', sku).where('released_copied', '<', total).execute();
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
