import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // redis-lua's orders name the units they took (the Redis counter's values),
  // and PostgreSQL refuses two orders of a SKU holding the same unit. A Redis
  // that lost writes hands out units again; their orders are refused here
  // instead of overselling, with an append, not an update of the hot stock row.
  // btree_gist lets one GiST index compare the SKU (=) and the units (&&).
  await sql`create extension if not exists btree_gist`.execute(db);
  await db.schema.alterTable('orders').addColumn('units', sql`int4multirange`).execute();
  await sql`alter table orders add constraint orders_units_from_one check (units is null or lower(units) >= 1)`.execute(db);
  await sql`alter table orders add constraint orders_units_sold_once exclude using gist (sku with =, units with &&) where (units is not null)`.execute(db);

  // What the reconciler and the counter rebuild changed, and why: append-only,
  // written only when something went wrong, read by the reconciliation view.
  await db.schema
    .createTable('reconciliations')
    .addColumn('id', 'bigserial', (col) => col.primaryKey())
    // No foreign key: a deduction can be given back for a counter PostgreSQL never knew.
    .addColumn('sku', 'text', (col) => col.notNull())
    .addColumn('action', 'text', (col) => col.notNull())
    .addColumn('units', 'integer', (col) => col.notNull())
    .addColumn('order_id', 'uuid')
    .addColumn('detail', 'text')
    .addColumn('at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('reconciliations_sku_idx').on('reconciliations').columns(['sku', 'at']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('reconciliations').execute();
  await sql`alter table orders drop constraint orders_units_sold_once`.execute(db);
  await sql`alter table orders drop constraint orders_units_from_one`.execute(db);
  await db.schema.alterTable('orders').dropColumn('units').execute();
}
