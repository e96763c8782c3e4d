import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // The highest fencing token PostgreSQL has accepted a write with, per SKU:
  // a lock holder whose lease expired carries an older token and is refused.
  await db.schema
    .alterTable('skus')
    .addColumn('fence_token', 'bigint', (col) => col.notNull().defaultTo(0))
    .execute();
  // Redlock has no single Redis to count on, so its tokens come from PostgreSQL.
  await sql`create sequence fence_tokens`.execute(db);

  // Transactional outbox: written in the purchase transaction, published by the worker's relay.
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'uuid', (col) => col.primaryKey())
    .addColumn('sku', 'text', (col) => col.notNull())
    .addColumn('order_id', 'uuid', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .execute();
  // The relay only ever looks for unpublished rows, oldest first.
  await db.schema
    .createIndex('outbox_unpublished_idx')
    .on('outbox')
    .column('created_at')
    .where(sql.ref('published_at'), 'is', null)
    .execute();

  // Inbox of the downstream consumer: one row per event id makes its effect exactly once.
  await db.schema
    .createTable('inbox')
    .addColumn('event_id', 'uuid', (col) => col.primaryKey())
    .addColumn('order_id', 'uuid', (col) => col.notNull())
    .addColumn('sku', 'text', (col) => col.notNull())
    .addColumn('type', 'text', (col) => col.notNull())
    .addColumn('received_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('inbox_sku_idx').on('inbox').column('sku').execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropTable('inbox').execute();
  await db.schema.dropTable('outbox').execute();
  await sql`drop sequence fence_tokens`.execute(db);
  await db.schema.alterTable('skus').dropColumn('fence_token').execute();
}
