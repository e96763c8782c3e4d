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
    // True once opening took the lease's units off skus.stock (its orders then skip the stock
    // catch-up); closing puts the unsold ones back. A lease closed before it opened moved nothing.
    .addColumn('stock_moved', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('leases_sku_idx').on('leases').columns(['sku', 'closed_at']).execute();
  // The lease an order sold from. Its units alone do not say: after Redis lost writes, a lease can
  // hold units another order holds already, and the close must tell the units this lease sold (off
  // skus.stock for good) from those refused to it (back on skus.stock). Found through the units'
  // GiST index, so no index of its own.
  await db.schema.alterTable('orders').addColumn('lease_id', 'uuid').execute();
  // Whether a key has an order, counting one another transaction is inserting now: an INSERT of the
  // key waits for that transaction (the unique key), then finds the key taken, where a read would not
  // see the uncommitted row. A row it does insert (the key was free) is rolled back with the block's
  // subtransaction. One round trip: a redis-lease refusal asks it (db/queries/orders.ts).
  await sql`
    create function order_key_taken(p_sku text, p_key text) returns boolean language plpgsql as $$
    begin
      begin
        insert into orders (id, sku, user_id, quantity, strategy, status, reason, idempotency_key, stock_applied)
        select gen_random_uuid(), sku, '', 1, 'probe', 'rejected', 'probe', p_key, true from skus where sku = p_sku
        on conflict do nothing;
        if found then
          raise exception using errcode = 'P0001', message = 'probe';
        end if;
        return exists (select 1 from skus where sku = p_sku);
      exception when sqlstate 'P0001' then
        return false;
      end;
    end $$`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop function order_key_taken(text, text)`.execute(db);
  await db.schema.alterTable('orders').dropColumn('lease_id').execute();
  await db.schema.dropTable('leases').execute();
}
