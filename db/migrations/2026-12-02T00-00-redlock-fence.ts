import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // Each lock fences its own holders. redis-lock's tokens come from a per-SKU
  // Redis counter, redlock's from a database-wide sequence: compared in one
  // column, a redlock sale left every later redis-lock sale of the SKU refused.
  await db.schema
    .alterTable('skus')
    .addColumn('redlock_fence_token', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('skus').dropColumn('redlock_fence_token').execute();
}
