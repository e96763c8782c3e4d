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
  // The open leases, for the sweep that ends those Redis no longer lists (its data lost).
  await db.schema.createIndex('leases_open_idx').on('leases').column('taken_at').where(sql.ref('closed_at'), 'is', null).execute();
  // The lease an order sold from. Its units alone do not say: after Redis lost writes, a lease can
  // hold units another order holds already, and the close must tell the units this lease sold (off
  // skus.stock for good) from those refused to it (back on skus.stock). Found through the units'
  // GiST index, so no index of its own.
  await db.schema.alterTable('orders').addColumn('lease_id', 'uuid').execute();
  // Which of these keys have an order, counting one another transaction is inserting now: an INSERT
  // of a key waits for that transaction (the unique key), then finds the key taken, where a read would
  // not see the uncommitted row. The rows it does insert (keys still free) are rolled back with the
  // block's subtransaction; a plpgsql variable keeps what was inserted. One round trip for a batch of
  // redis-lease refusals (db/queries/orders.ts). An unknown SKU has no orders: no key is taken.
  await sql`
    create function order_keys_taken(p_sku text, p_keys text[]) returns text[] language plpgsql as $$
    declare
      free text[];
    begin
      if not exists (select 1 from skus where sku = p_sku) then
        return '{}';
      end if;
      begin
        with probe as (
          insert into orders (id, sku, user_id, quantity, strategy, status, reason, idempotency_key, stock_applied)
          select gen_random_uuid(), p_sku, '', 1, 'probe', 'rejected', 'probe', k, true from unnest(p_keys) as k
          -- In key order: two processes probing the same keys take their locks in one order (no deadlock).
          order by k
          on conflict do nothing
          returning idempotency_key
        )
        select coalesce(array_agg(idempotency_key), '{}') into free from probe;
        raise exception using errcode = 'P0001', message = 'probe';
      exception when sqlstate 'P0001' then
        null;
      end;
      return array(select k from unnest(p_keys) as k where not (k = any (free)));
    end $$`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop function order_keys_taken(text, text[])`.execute(db);
  await db.schema.alterTable('orders').dropColumn('lease_id').execute();
  await db.schema.dropTable('leases').execute();
}
