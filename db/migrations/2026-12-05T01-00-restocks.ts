import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // Units added by restocks, ever: raised by the restock's own UPDATE and copied to the Redis
  // counter as a total (copy-added-4.lua), like releases and PostgreSQL-decided sales.
  await db.schema
    .alterTable('skus')
    .addColumn('restocked_units', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // One row per restock, by its Idempotency-Key: a retry finds it and changes nothing.
  await db.schema
    .createTable('restocks')
    .addColumn('idempotency_key', 'text', (col) => col.primaryKey())
    .addColumn('sku', 'text', (col) => col.notNull().references('skus.sku'))
    .addColumn('units', 'integer', (col) => col.notNull().check(sql`units > 0`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('restocks').execute();
  await db.schema.alterTable('skus').dropColumn('restocked_units').execute();
}
