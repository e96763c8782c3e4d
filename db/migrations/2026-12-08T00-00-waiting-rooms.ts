import { type Kysely, sql } from 'kysely';

type AnyDb = Kysely<unknown>;

export async function up(db: AnyDb): Promise<void> {
  // A SKU's waiting room, set when the SKU is created and fixed after (each API process
  // caches it for good: services/waiting-room/room-settings.ts). line_token_ttl_seconds
  // null: no waiting room. line_admit_per_second null with a room: admission follows
  // the strategy's answers ("auto").
  await db.schema
    .alterTable('skus')
    .addColumn('line_token_ttl_seconds', 'integer', (col) => col.check(sql`line_token_ttl_seconds between 5 and 3600`))
    .addColumn('line_admit_per_second', 'integer', (col) => col.check(sql`line_admit_per_second between 1 and 100000`))
    .addColumn('line_draw_seconds', 'integer', (col) => col.notNull().defaultTo(2).check(sql`line_draw_seconds between 0 and 60`))
    .execute();
}

export async function down(db: AnyDb): Promise<void> {
  await db.schema.alterTable('skus').dropColumn('line_token_ttl_seconds').dropColumn('line_admit_per_second').dropColumn('line_draw_seconds').execute();
}
