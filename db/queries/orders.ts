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
  pendingUnits: number;
}

/** What the orders table says was sold: the truth every audit is computed from. */
export async function unitsSold(db: Db, sku: string): Promise<UnitsSold> {
  const row = await db
    .selectFrom('orders')
    .select([
      sql<string>`coalesce(sum(quantity) filter (where status = 'confirmed'), 0)`.as('confirmed_units'),
      sql<string>`count(*) filter (where status = 'confirmed')`.as('confirmed_orders'),
      sql<string>`coalesce(sum(quantity) filter (where status = 'pending'), 0)`.as('pending_units'),
    ])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();
  // sum() and count() are bigint in PostgreSQL, which pg hands back as strings.
  return {
    confirmedUnits: Number(row.confirmed_units),
    confirmedOrders: Number(row.confirmed_orders),
    pendingUnits: Number(row.pending_units),
  };
}

/**
 * Locks an order that is still waiting for the queue worker (FOR UPDATE), so two
 * deliveries of the same message cannot both apply it; undefined once it is settled.
 */
export async function lockPendingOrder(db: Db, id: string): Promise<Order | undefined> {
  return db.selectFrom('orders').selectAll().where('id', '=', id).where('status', '=', 'pending').forUpdate().executeTakeFirst();
}

/** Settles a pending order; false when it was not pending (already settled by an earlier delivery). */
export async function settlePendingOrder(db: Db, id: string, status: 'confirmed' | 'rejected', reason: string | null): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ status, reason, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Puts an order rejected because it never reached the queue back to pending,
 * so a retry with the same Idempotency-Key queues it again; false otherwise.
 */
export async function requeueUnqueuedOrder(db: Db, id: string, notQueuedReason: string): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ status: 'pending', reason: null, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('status', '=', 'rejected')
    .where('reason', '=', notQueuedReason)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
