import { type Kysely, sql } from 'kysely';

// Migrations are written against an untyped Kysely on purpose: they must keep
// working when db/schema.ts has moved on to later shapes.
type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('skus')
    .addColumn('sku', 'text', (col) => col.primaryKey())
    .addColumn('initial_stock', 'integer', (col) => col.notNull().check(sql`initial_stock >= 0`))
    // No CHECK (stock >= 0): the naive strategy must be free to show lost updates.
    .addColumn('stock', 'integer', (col) => col.notNull())
    .addColumn('version', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('sku', 'text', (col) => col.notNull().references('skus.sku'))
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('quantity', 'integer', (col) => col.notNull().check(sql`quantity > 0`))
    .addColumn('strategy', 'text', (col) => col.notNull())
    .addColumn('status', 'text', (col) =>
      col.notNull().check(sql`status in ('pending', 'confirmed', 'rejected')`),
    )
    .addColumn('reason', 'text')
    // The last line of defence against a double order: one order per key.
    .addColumn('idempotency_key', 'text', (col) => col.notNull().unique())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  // The audit sums units per SKU and status.
  await db.schema.createIndex('orders_sku_status_idx').on('orders').columns(['sku', 'status']).execute();

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

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
  await db.schema.dropTable('orders').execute();
  await db.schema.dropTable('skus').execute();
}
