import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // Leases are taken by more than one strategy now (a process's share, a bucket's fill), each listed
  // in its own Redis ledger and ended its own way, with its own lifetime. The sweep of leases Redis
  // no longer lists reads the unended ones of its ledger only: another's lease may live longer. A
  // lease is ended once its returned units are fixed (a close that stopped half-way is found too).
  // The default stays: a process still running the code before this migration inserts leases without
  // a ledger, and they are redis-lease's ('leases'), so a rolling deploy keeps opening and closing them.
  await db.schema.alterTable('leases').addColumn('ledger', 'text', (col) => col.notNull().defaultTo('leases')).execute();
  await db.schema.dropIndex('leases_open_idx').execute();
  await db.schema.createIndex('leases_open_idx').on('leases').columns(['ledger', 'taken_at']).where(sql.ref('returned_units'), 'is', null).execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.dropIndex('leases_open_idx').execute();
  await db.schema.createIndex('leases_open_idx').on('leases').column('taken_at').where(sql.ref('closed_at'), 'is', null).execute();
  await db.schema.alterTable('leases').dropColumn('ledger').execute();
}
