import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // redis-lease: one row per stock lease an API process took from the Redis counter. The row is
  // the lease's fence: an order of the lease is inserted only while its row is open (the insert
  // locks it FOR SHARE), and whoever ends the lease closes the row first, which waits for those
  // inserts, so the units it then finds unsold are unsold for good (db/queries/leases.ts).
  await db.schema
    .createTable('leases')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('sku', 'text', (col) => col.notNull())
    .addColumn('units', sql`int4multirange`, (col) => col.notNull())
    .addColumn('taken_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    // Units of the lease no order holds, fixed when it closed: given back to the counter.
    .addColumn('returned_units', 'integer')
    .execute();
  await db.schema.createIndex('leases_sku_idx').on('leases').columns(['sku', 'closed_at']).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('leases').execute();
}
