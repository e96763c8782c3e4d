import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

/** One row per unit the orders of `table` (orders, or a trigger's transition table) name: sku, u, lease_id. */
const unitRows = (table: string) =>
  sql.raw(`select ${table}.sku, u, ${table}.lease_id from ${table}
      cross join lateral unnest(${table}.units) as r
      cross join lateral generate_series(lower(r), upper(r) - 1) as u`);

// One unit sold once, checked by a btree instead of a GiST exclusion
// constraint. Measured on this machine (batches of 20 unit-naming orders,
// 100 batches in one transaction, 126k unit-naming orders in the table):
// 178-216 µs of PostgreSQL per order with orders_units_sold_once, 25 µs
// without it, 38-41 µs with this table. Every order of redis-lua,
// redis-buckets and redis-lease names its units, and their selling rate was
// PostgreSQL's CPU on those inserts: the GiST insert and its overlap search
// were ~85% of it.
//
// A unit taken twice now raises unique_violation (sold_units_pkey) from the
// statement trigger, for the whole INSERT, where the exclusion constraint let
// ON CONFLICT DO NOTHING skip the row: the order writer then takes out the
// orders naming sold units and writes the rest again
// (services/strategies/common/order-writer.ts).
export async function up(db: AnyDb): Promise<void> {
  // No order may commit between the backfill and the trigger (its units would
  // be in neither): writers wait for this transaction, readers do not.
  await sql`lock table orders in share row exclusive mode`.execute(db);
  await db.schema
    .createTable('sold_units')
    .addColumn('sku', 'text', (col) => col.notNull())
    .addColumn('unit', 'integer', (col) => col.notNull())
    // The lease the order sold from (orders.lease_id): a lease's close finds the units its own orders hold by
    // the primary key's range over the lease's units, as it found them by the GiST index before.
    .addColumn('lease_id', 'uuid')
    .addPrimaryKeyConstraint('sold_units_pkey', ['sku', 'unit'])
    .execute();
  // unnest of a null multirange is no rows: orders without units add none.
  await sql`insert into sold_units (sku, unit, lease_id) ${unitRows('orders')}`.execute(db);

  // One statement per INSERT into orders, not one call per row (a row trigger's
  // plpgsql call costs more than the btree insert). Units in (sku, unit) order:
  // two batches naming the same units take their index entries in one order,
  // so they wait for each other instead of deadlocking. jit off: the planner
  // guesses 100 ranges × 1,000 units a row (it cannot see into a transition
  // table's multiranges), passes jit_above_cost, and JIT-compiling the insert
  // took 6-30 ms of a 20-order batch's 40 ms; the real work is microseconds.
  await sql`
    create function record_sold_units() returns trigger language plpgsql set jit = off as $$
    begin
      insert into sold_units (sku, unit, lease_id) ${unitRows('inserted')} order by 1, 2;
      return null;
    end $$`.execute(db);
  await sql`create trigger orders_record_sold_units after insert on orders referencing new table as inserted for each statement execute function record_sold_units()`.execute(db);

  // Nothing changes an order's units after its INSERT, nor the SKU or lease of
  // an order holding units (the code never does); a change would have to move
  // its sold_units rows too, so it is refused instead.
  await sql`
    create function refuse_units_change() returns trigger language plpgsql as $$
    begin
      raise exception 'the units of order % never change, nor its sku or lease', old.id using errcode = 'object_not_in_prerequisite_state';
    end $$`.execute(db);
  await sql`
    create trigger orders_units_fixed before update of units, sku, lease_id on orders for each row
    when (old.units is distinct from new.units or (old.units is not null and (old.sku is distinct from new.sku or old.lease_id is distinct from new.lease_id)))
    execute function refuse_units_change()`.execute(db);

  // A deleted or truncated order gives its units back (nothing here deletes orders; a hand at psql might).
  await sql`
    create function forget_sold_units() returns trigger language plpgsql set jit = off as $$
    begin
      delete from sold_units s using (${unitRows('deleted')}) as gone where s.sku = gone.sku and s.unit = gone.u;
      return null;
    end $$`.execute(db);
  await sql`create trigger orders_forget_sold_units after delete on orders referencing old table as deleted for each statement execute function forget_sold_units()`.execute(db);
  await sql`
    create function truncate_sold_units() returns trigger language plpgsql as $$
    begin
      truncate sold_units;
      return null;
    end $$`.execute(db);
  await sql`create trigger orders_truncate_sold_units after truncate on orders for each statement execute function truncate_sold_units()`.execute(db);

  await sql`alter table orders drop constraint orders_units_sold_once`.execute(db);
}

export async function down(db: AnyDb): Promise<void> {
  await sql`alter table orders add constraint orders_units_sold_once exclude using gist (sku with =, units with &&) where (units is not null)`.execute(db);
  await sql`drop trigger orders_truncate_sold_units on orders`.execute(db);
  await sql`drop trigger orders_forget_sold_units on orders`.execute(db);
  await sql`drop trigger orders_units_fixed on orders`.execute(db);
  await sql`drop trigger orders_record_sold_units on orders`.execute(db);
  await sql`drop function truncate_sold_units(), forget_sold_units(), refuse_units_change(), record_sold_units()`.execute(db);
  await db.schema.dropTable('sold_units').execute();
}
