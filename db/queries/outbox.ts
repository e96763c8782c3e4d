import { type Kysely, sql } from 'kysely';
import type { Database, OutboxTable } from '../schema.js';
import type { Insertable, Selectable } from 'kysely';

type Db = Kysely<Database>;

export type OutboxEvent = Selectable<OutboxTable>;

/**
 * Claims the oldest unpublished events for this transaction. SKIP LOCKED lets
 * several relays run side by side without waiting on (or double-sending)
 * each other's rows; the claim lasts until the transaction ends.
 */
export async function claimUnpublished(db: Db, limit: number): Promise<OutboxEvent[]> {
  return db
    .selectFrom('outbox')
    .selectAll()
    .where('published_at', 'is', null)
    .orderBy('created_at')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
}

export async function markPublished(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('outbox').set({ published_at: sql<Date>`now()` }).where('id', 'in', ids).execute();
}

/** Events of a SKU written but not yet handed to Kafka. */
export async function countUnpublished(db: Db, sku: string): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select(sql<string>`count(*)`.as('backlog'))
    .where('sku', '=', sku)
    .where('published_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.backlog);
}
