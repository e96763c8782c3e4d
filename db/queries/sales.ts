import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, NewOrder, OutboxTable } from '../schema.js';

type Db = Kysely<Database>;

/**
 * One sale as ONE statement, so one round trip and one commit: the
 * conditional decrement, the order insert (only when the decrement matched)
 * and, for the outbox strategy, its event row. PostgreSQL re-checks
 * `stock >= quantity` on the newest row version after waiting for the row
 * lock, so it cannot oversell; a duplicate Idempotency-Key fails the whole
 * statement (23505) and nothing is taken. The row lock is held from the
 * UPDATE to the commit, with no client round trip in between.
 * Returns false when the stock was short or the SKU unknown (nothing written).
 */
export async function sellIfAvailable(db: Db, order: NewOrder, event?: Insertable<OutboxTable>): Promise<boolean> {
  // Parameters in INSERT … SELECT have no column to infer a type from: cast each one.
  const withOrder = db
    .with('taken', (q) =>
      q
        .updateTable('skus')
        .set({ stock: sql<number>`stock - ${order.quantity}`, version: sql<number>`version + 1` })
        .where('sku', '=', order.sku)
        .where('stock', '>=', order.quantity)
        .returning('sku'),
    )
    .with('ordered', (q) =>
      q
        .insertInto('orders')
        .columns(['id', 'sku', 'user_id', 'quantity', 'strategy', 'status', 'idempotency_key'])
        .expression(
          q.selectFrom('taken').select([
            sql<string>`${order.id}::uuid`.as('id'),
            'taken.sku',
            sql<string>`${order.user_id}::text`.as('user_id'),
            sql<number>`${order.quantity}::int`.as('quantity'),
            sql<string>`${order.strategy}::text`.as('strategy'),
            sql<string>`${order.status}::text`.as('status'),
            sql<string>`${order.idempotency_key}::text`.as('idempotency_key'),
          ]),
        )
        .returning('id'),
    );
  if (event === undefined) {
    const row = await withOrder.selectFrom('ordered').select('id').executeTakeFirst();
    return row !== undefined;
  }
  const row = await withOrder
    .insertInto('outbox')
    .columns(['id', 'sku', 'order_id', 'type', 'payload'])
    .expression((eb) =>
      eb.selectFrom('ordered').select([
        sql<string>`${event.id}::uuid`.as('id'),
        sql<string>`${event.sku}::text`.as('sku'),
        'ordered.id',
        sql<string>`${event.type}::text`.as('type'),
        sql<string>`${event.payload}::jsonb`.as('payload'),
      ]),
    )
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
