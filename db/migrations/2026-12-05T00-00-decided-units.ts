import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // Units PostgreSQL-decided sales ever took from the stock, raised by the sale's own UPDATE of
  // the row (so it commits with the sale or not at all) and returned by it. The Redis counter
  // keeps how many of them it has and takes only the difference (stock-mirror.ts): copies may
  // arrive late, twice or out of order, and a lost one is made good from this column at any
  // time, with no quiet moment to wait for. No index: the repair pages through skus by its key.
  await db.schema
    .alterTable('skus')
    .addColumn('decided_units', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // No backfill: 0 here and no count in Redis agree (the sales before this were copied as changes).
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('skus').dropColumn('decided_units').execute();
}
