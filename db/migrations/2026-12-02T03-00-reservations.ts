import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

// Statuses whose order holds units: what the per-user count and the stock both count.
const holding = `('pending', 'confirmed', 'reserved')`;

export async function up(db: AnyDb): Promise<void> {
  // How long a `reserve` purchase holds its units before the worker releases them.
  // Ten minutes by default: a checkout timer's usual length. At most a day.
  await db.schema
    .alterTable('skus')
    .addColumn('hold_seconds', 'integer', (col) => col.notNull().defaultTo(600).check(sql`hold_seconds between 1 and 86400`))
    .execute();

  // A hold is an order with status `reserved` until `expires_at` (PostgreSQL's clock, the one that
  // decides both confirm and expiry); it ends `confirmed` (paid), `cancelled` or `expired` (units back).
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (status in ('pending', 'confirmed', 'rejected', 'reserved', 'expired', 'cancelled'))`.execute(db);
  // settle_key: the Idempotency-Key of the confirm or cancel that settled the hold. Its replay is
  // read here, and a key is one settlement only (unique), as a purchase key is one order.
  await db.schema.alterTable('orders').addColumn('expires_at', 'timestamptz').addColumn('settle_key', 'text').execute();
  // Partial, as the sweeper's index below: an order that is not a hold (every order of the other
  // strategies) adds no entry to either, so their inserts maintain no index they do not need.
  await sql`create unique index orders_settle_key_idx on orders (settle_key) where settle_key is not null`.execute(db);
  await sql`alter table orders add constraint orders_hold_expires check (status <> 'reserved' or expires_at is not null)`.execute(db);
  // The sweeper's scan: only live holds are in it, so an idle sweep reads an empty index.
  await sql`create index orders_holds_due_idx on orders (expires_at) where status = 'reserved'`.execute(db);

  // The per-user count (2026-12-02T02-00) now also counts holds, and gives units back to the
  // buyer when a hold ends without payment, as for a rejected order.
  await sql.raw(`
    create or replace function count_user_purchase() returns trigger language plpgsql as $$
    declare
      lim integer;
    begin
      if tg_op = 'INSERT' then
        if new.status not in ${holding} then return new; end if;
        select max_per_user into lim from skus where sku = new.sku;
        if lim is null then return new; end if;
        insert into user_purchases as up (sku, user_id, units, max_units)
        values (new.sku, new.user_id, new.quantity, lim)
        on conflict (sku, user_id) do update set units = up.units + excluded.units;
      elsif old.status in ${holding} and new.status not in ${holding} then
        update user_purchases set units = units - old.quantity where sku = old.sku and user_id = old.user_id;
      end if;
      return new;
    end $$`).execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`drop index orders_holds_due_idx`.execute(db);
  await sql`drop index orders_settle_key_idx`.execute(db);
  await sql`alter table orders drop constraint orders_hold_expires`.execute(db);
  await db.schema.alterTable('orders').dropColumn('settle_key').dropColumn('expires_at').execute();
  await sql`alter table orders drop constraint orders_status_check`.execute(db);
  await sql`alter table orders add constraint orders_status_check check (status in ('pending', 'confirmed', 'rejected'))`.execute(db);
  await db.schema.alterTable('skus').dropColumn('hold_seconds').execute();
}
