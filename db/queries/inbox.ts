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
  /** Confirmed orders of the outbox strategy. */
  outboxOrders: number;
  /** Of those, the ones with exactly one inbox event. */
  withOneInboxEvent: number;
}

/** Whether every confirmed order of `strategy` (the outbox one) reached the downstream consumer exactly once. */
export async function outboxDelivery(db: Db, sku: string, strategy: string): Promise<OutboxDelivery> {
  const perOrder = db
    .selectFrom('orders as o')
    .leftJoin('inbox as i', 'i.order_id', 'o.id')
    .select(['o.id', sql<string>`count(i.event_id)`.as('events')])
    .where('o.sku', '=', sku)
    .where('o.strategy', '=', strategy)
    .where('o.status', '=', 'confirmed')
    .groupBy('o.id')
    .as('per_order');
  const row = await db
    .selectFrom(perOrder)
    .select([sql<string>`count(*)`.as('orders'), sql<string>`count(*) filter (where events = 1)`.as('with_one')])
    .executeTakeFirstOrThrow();
  return { outboxOrders: Number(row.orders), withOneInboxEvent: Number(row.with_one) };
}
