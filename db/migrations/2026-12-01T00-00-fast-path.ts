import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // The order row, unique per Idempotency-Key, is now the only idempotency
  // record: a separate claim and completion cost two commits per request.
  await db.schema.dropTable('idempotency_keys').execute();

  // Orders whose units Redis took (redis-lua) are inserted without touching the
  // SKU's hot stock row; false until a batch has subtracted them from skus.stock.
  await db.schema
    .alterTable('orders')
    .addColumn('stock_applied', 'boolean', (col) => col.notNull().defaultTo(true))
    .execute();
  // The catch-up and the audit only ever look for the few rows still false.
  await db.schema
    .createIndex('orders_stock_unapplied_idx')
    .on('orders')
    .column('sku')
    .where(sql.ref('stock_applied'), '=', sql.lit(false))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('orders_stock_unapplied_idx').execute();
  await db.schema.alterTable('orders').dropColumn('stock_applied').execute();
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('key', 'text', (col) => col.primaryKey())
    .addColumn('request_hash', 'text', (col) => col.notNull())
    .addColumn('state', 'text', (col) => col.notNull().check(sql`state in ('in_flight', 'completed')`))
    .addColumn('response_status', 'integer')
    .addColumn('response_body', 'jsonb')
    .addColumn('claimed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();
}
