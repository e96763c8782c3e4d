import { type Insertable, type Kysely, sql } from 'kysely';
import type { Database, NewOrder, OutboxTable } from '../schema.js';

type Db = Kysely<Database>;

/**
 * What one sale statement did: sold, or why not. `short_after_wait`: the
 * snapshot had the stock, the newest row did not, so another transaction
 * took it while this statement waited for the row lock;
 * an order of this same key committed then is not in the snapshot, and the
 * caller must look again before it refuses (two API processes, one key).
 * `short` is decided in the snapshot itself, key probe included.
 */
export type SaleResult = 'sold' | 'short' | 'short_after_wait' | 'unknown_sku' | 'key_ordered';

/** What sellIfAvailable did, a hold's end when it wrote one, and the SKU's decided_units after a sale. */
export interface Sale {
  result: SaleResult;
  expiresAt: Date | null;
  decided: number | null;
}

/**
 * One sale as ONE statement, so one round trip and one commit: the
 * conditional decrement, the order insert (only when the decrement matched)
 * and, for the outbox strategy, its event row. PostgreSQL re-checks
 * `stock >= quantity` on the newest row version after waiting for the row
 * lock, so it cannot oversell; a duplicate Idempotency-Key fails the whole
 * statement (23505) and nothing is taken. The row lock is held from the
 * UPDATE to the commit, with no client round trip in between.
 * When nothing was taken the same statement says why (a refusal costs one
 * round trip and writes nothing): the key has an order already (a retry),
 * the SKU is unknown, or the stock is short.
 * An order of status `reserved` is a hold: it ends at now() plus the SKU's
 * hold_seconds, read from the row the decrement locked, so `expiresAt` is
 * PostgreSQL's clock, the one that later decides confirm against expiry.
 */
export async function sellIfAvailable(db: Db, order: NewOrder, event?: Insertable<OutboxTable>): Promise<Sale> {
  // Parameters in INSERT … SELECT have no column to infer a type from: cast each one.
  const withOrder = db
    .with('taken', (q) =>
      q
        .updateTable('skus')
        .set({ stock: sql<number>`stock - ${order.quantity}`, version: sql<number>`version + 1`, decided_units: sql<number>`decided_units + ${order.quantity}` })
        .where('sku', '=', order.sku)
        .where('stock', '>=', order.quantity)
        .returning(['sku', 'hold_seconds', 'decided_units']),
    )
    .with('ordered', (q) =>
      q
        .insertInto('orders')
        .columns(['id', 'sku', 'user_id', 'quantity', 'strategy', 'status', 'idempotency_key', 'expires_at'])
        .expression(
          q.selectFrom('taken').select([
            sql<string>`${order.id}::uuid`.as('id'),
            'taken.sku',
            sql<string>`${order.user_id}::text`.as('user_id'),
            sql<number>`${order.quantity}::int`.as('quantity'),
            sql<string>`${order.strategy}::text`.as('strategy'),
            sql<string>`${order.status}::text`.as('status'),
            sql<string>`${order.idempotency_key}::text`.as('idempotency_key'),
            sql<Date | null>`case when ${order.status}::text = 'reserved' then now() + make_interval(secs => taken.hold_seconds) end`.as('expires_at'),
          ]),
        )
        .returning(['id', 'expires_at']),
    );
  // A data-modifying WITH runs to completion whether or not the final SELECT reads it.
  const withSale =
    event === undefined
      ? withOrder
      : withOrder.with('evented', (q) =>
          q
            .insertInto('outbox')
            .columns(['id', 'sku', 'order_id', 'type', 'payload'])
            .expression(
              q.selectFrom('ordered').select([
                sql<string>`${event.id}::uuid`.as('id'),
                sql<string>`${event.sku}::text`.as('sku'),
                'ordered.id',
                sql<string>`${event.type}::text`.as('type'),
                sql<string>`${event.payload}::jsonb`.as('payload'),
              ]),
            )
            .returning('id'),
        );
  // CASE stops at the first true branch, so a sale pays for no refusal probe. The
  // probes read the statement's snapshot: what was committed before it, not its own insert.
  const row = await withSale
    .selectNoFrom((eb) => [
      eb
        .case()
        .when(eb.exists(eb.selectFrom('ordered').select('ordered.id')))
        .then(sql.lit('sold'))
        .when(eb.exists(eb.selectFrom('orders').select('orders.id').where('orders.idempotency_key', '=', order.idempotency_key)))
        .then(sql.lit('key_ordered'))
        .when(eb.exists(eb.selectFrom('skus').select('skus.sku').where('skus.sku', '=', order.sku).where('skus.stock', '>=', order.quantity)))
        .then(sql.lit('short_after_wait'))
        .when(eb.exists(eb.selectFrom('skus').select('skus.sku').where('skus.sku', '=', order.sku)))
        .then(sql.lit('short'))
        .else(sql.lit('unknown_sku'))
        .end()
        .$castTo<SaleResult>()
        .as('result'),
      eb.selectFrom('ordered').select('ordered.expires_at').as('expires_at'),
      eb.selectFrom('taken').select('taken.decided_units').as('decided'),
    ])
    .executeTakeFirstOrThrow();
  return { result: row.result, expiresAt: row.expires_at ?? null, decided: row.decided ?? null };
}

/** A SKU's stock and which of these Idempotency-Keys already have an order, in one read; undefined for an unknown SKU. */
export async function stockAndOrderedKeys(db: Db, sku: string, keys: readonly string[]): Promise<{ stock: number; ordered: Set<string> } | undefined> {
  const row = await db
    .selectFrom('skus')
    .select((eb) => [
      'skus.stock',
      // One array parameter: the statement text stays the same whatever the batch size.
      eb.fn<string[]>('array', [eb.selectFrom('orders').select('orders.idempotency_key').where(sql<boolean>`orders.idempotency_key = any(${[...keys]}::text[])`)]).as('ordered'),
    ])
    .where('skus.sku', '=', sku)
    .executeTakeFirst();
  return row === undefined ? undefined : { stock: row.stock, ordered: new Set(row.ordered) };
}

/**
 * A batch's sale as ONE statement: `units` off the stock if it still has
 * them, and every order of the batch, or nothing at all. The condition is
 * checked under the row lock as in sellIfAvailable, so a stock read earlier
 * without a lock can be stale but can never oversell: the statement then
 * matches no row (undefined) and the caller decides again. A key ordered
 * meanwhile by another process fails it with 23505. Returns the SKU's
 * decided_units after the sale.
 */
export async function sellBatchIfAvailable(db: Db, sku: string, units: number, orders: readonly NewOrder[]): Promise<number | undefined> {
  const column = <K extends keyof NewOrder>(key: K) => orders.map((order) => order[key]);
  const result = await sql<{ decided: number }>`
    with taken as (
      update skus set stock = stock - ${units}, version = version + 1, decided_units = decided_units + ${units}
      where sku = ${sku} and stock >= ${units}
      returning sku, decided_units
    ), ordered as (
      insert into orders (id, sku, user_id, quantity, strategy, status, idempotency_key)
      select o.id, taken.sku, o.user_id, o.quantity, o.strategy, o.status, o.idempotency_key
      from taken, unnest(${column('id')}::uuid[], ${column('user_id')}::text[], ${column('quantity')}::int[],
                         ${column('strategy')}::text[], ${column('status')}::text[], ${column('idempotency_key')}::text[])
           as o(id, user_id, quantity, strategy, status, idempotency_key)
      returning id
    )
    -- A data-modifying WITH runs to completion whether or not this SELECT reads it.
    select decided_units as decided from taken`.execute(db);
  return result.rows[0]?.decided;
}
