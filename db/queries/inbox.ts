import { type Kysely, sql } from 'kysely';
import type { Database, InboxTable } from '../schema.js';
import type { Insertable } from 'kysely';

type Db = Kysely<Database>;

/**
 * Records an event once: a redelivered event hits the primary key and changes
 * nothing. True when this call recorded it (the effect happened now).
 */
export async function recordInboxEvent(db: Db, event: Insertable<InboxTable>): Promise<boolean> {
  const row = await db
    .insertInto('inbox')
    .values(event)
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function countInboxEvents(db: Db, sku: string): Promise<number> {
  const row = await db.selectFrom('inbox').select(sql<string>`count(*)`.as('events')).where('sku', '=', sku).executeTakeFirstOrThrow();
  return Number(row.events);
}

export interface OutboxDelivery {
  /** Confirmed orders whose sale wrote an outbox event. */
  outboxOrders: number;
  /** Of those, the ones with exactly one inbox event. */
  withOneInboxEvent: number;
}

/** Whether every confirmed order that wrote an outbox event reached the downstream consumer exactly once. */
export async function outboxDelivery(db: Db, sku: string): Promise<OutboxDelivery> {
  // The orders whose sale wrote an event (an outbox row, kept once published), each with its inbox events.
  const perOrder = db
    .selectFrom('outbox as ob')
    .innerJoin('orders as o', 'o.id', 'ob.order_id')
    .leftJoin('inbox as i', 'i.order_id', 'ob.order_id')
    .select(['ob.order_id', sql<string>`count(i.event_id)`.as('events')])
    .where('ob.sku', '=', sku)
    .where('o.status', '=', 'confirmed')
    .groupBy('ob.order_id')
    .as('per_order');
  const row = await db
    .selectFrom(perOrder)
    .select([sql<string>`count(*)`.as('orders'), sql<string>`count(*) filter (where events = 1)`.as('with_one')])
    .executeTakeFirstOrThrow();
  return { outboxOrders: Number(row.orders), withOneInboxEvent: Number(row.with_one) };
}
