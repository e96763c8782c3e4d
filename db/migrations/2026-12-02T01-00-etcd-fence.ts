import type { Kysely } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // etcd-lock's fence: its tokens are etcd revisions, comparable with neither
  // redis-lock's per-SKU counter nor redlock's sequence (see the redlock fence).
  await db.schema
    .alterTable('skus')
    .addColumn('etcd_fence_token', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('skus').dropColumn('etcd_fence_token').execute();
}
