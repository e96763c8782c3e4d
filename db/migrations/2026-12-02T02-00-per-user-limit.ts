import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // "One per customer": null is unlimited, the default.
  await db.schema
    .alterTable('skus')
    .addColumn('max_per_user', 'integer', (col) => col.check(sql`max_per_user > 0`))
    .execute();

  // Units each buyer holds of a limited SKU. A row per (sku, user) is what two
  // purchases by one buyer contend on: under READ COMMITTED a count over
  // orders is not re-read after a lock wait, so two of them would both see
  // room. The limit is copied into the row so a CHECK can hold it.
  await db.schema
    .createTable('user_purchases')
    .addColumn('sku', 'text', (col) => col.notNull().references('skus.sku'))
    .addColumn('user_id', 'text', (col) => col.notNull())
    .addColumn('units', 'integer', (col) => col.notNull().check(sql`units >= 0`))
    .addColumn('max_units', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('user_purchases_pkey', ['sku', 'user_id'])
    .addCheckConstraint('user_purchases_within_limit', sql`units <= max_units`)
    .execute();

  // Every order written for a limited SKU counts against its buyer, in the
  // transaction that writes it, whichever strategy writes it: the count
  // raises user_purchases_within_limit (23514) past the limit, and the whole
  // sale (stock taken, order) rolls back with it. A rejected order (the queue
  // worker's refusals, ids closed before a give-back) holds nothing; an order
  // that becomes rejected gives its units back to the buyer's count.
  await sql`
    create function count_user_purchase() returns trigger language plpgsql as $$
    declare
      lim integer;
    begin
      if tg_op = 'INSERT' then
        if new.status = 'rejected' then return new; end if;
        select max_per_user into lim from skus where sku = new.sku;
        if lim is null then return new; end if;
        insert into user_purchases as up (sku, user_id, units, max_units)
        values (new.sku, new.user_id, new.quantity, lim)
        on conflict (sku, user_id) do update set units = up.units + excluded.units;
      elsif new.status = 'rejected' and old.status <> 'rejected' then
        update user_purchases set units = units - old.quantity where sku = old.sku and user_id = old.user_id;
      end if;
      return new;
    end $$`.execute(db);
  await sql`create trigger orders_count_user_purchase after insert or update of status on orders for each row execute function count_user_purchase()`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop trigger orders_count_user_purchase on orders`.execute(db);
  await sql`drop function count_user_purchase()`.execute(db);
  await db.schema.dropTable('user_purchases').execute();
  await db.schema.alterTable('skus').dropColumn('max_per_user').execute();
}
