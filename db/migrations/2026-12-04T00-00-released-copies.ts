import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // Units given back by ended holds (cancel or expiry), ever: raised by the statement that ends
  // them, so it commits with the release or not at all. released_copied: how far the Redis counter
  // is known to have them. A SKU where the two differ has a release that no process has copied yet
  // (its copier was killed after the commit), and the mirror repair finds it from here, however
  // long the release took to commit: nothing about it depends on timing (hold-release.ts).
  await db.schema
    .alterTable('skus')
    .addColumn('released_units', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('released_copied', 'integer', (col) => col.notNull().defaultTo(0))
    .execute();
  // Releases before this migration were copied by the old path (or are in the counter's next rebuild).
  await sql`
    update skus s set released_units = r.units, released_copied = r.units
    from (select sku, sum(quantity)::int as units from orders where status in ('cancelled', 'expired') group by sku) r
    where s.sku = r.sku`.execute(db);
  // The repair's scan: only SKUs with a release still to copy are in it, so an idle repair reads an empty index.
  await sql`create index skus_releases_uncopied_idx on skus (sku) where released_units > released_copied`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop index skus_releases_uncopied_idx`.execute(db);
  await db.schema.alterTable('skus').dropColumn('released_copied').dropColumn('released_units').execute();
}
