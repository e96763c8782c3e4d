import { type Kysely, sql } from 'kysely';
import type { Database, Sku } from '../schema.js';

// Every function takes `db` or a transaction first, so callers choose the boundary.
type Db = Kysely<Database>;

/** Creates a SKU; false when it already exists. */
export async function insertSku(db: Db, sku: string, stock: number): Promise<boolean> {
  const row = await db
    .insertInto('skus')
    .values({ sku, initial_stock: stock, stock })
    .onConflict((oc) => oc.column('sku').doNothing())
    .returning('sku')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findSku(db: Db, sku: string): Promise<Sku | undefined> {
  return db.selectFrom('skus').selectAll().where('sku', '=', sku).executeTakeFirst();
}

/** A plain read, no lock: what the naive strategy decides on. */
export async function readStock(db: Db, sku: string): Promise<{ stock: number; version: number } | undefined> {
  return db.selectFrom('skus').select(['stock', 'version']).where('sku', '=', sku).executeTakeFirst();
}

/** Blind write of a value computed elsewhere: the lost update the naive strategy shows. */
export async function overwriteStock(db: Db, sku: string, stock: number): Promise<void> {
  await db
    .updateTable('skus')
    .set({ stock, version: sql<number>`version + 1` })
    .where('sku', '=', sku)
    .execute();
}

/** Applies a change decided by another store (Redis), keeping PostgreSQL in step. */
export async function adjustStock(db: Db, sku: string, delta: number): Promise<boolean> {
  const result = await db
    .updateTable('skus')
    .set({ stock: sql<number>`stock + ${delta}`, version: sql<number>`version + 1` })
    .where('sku', '=', sku)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * The optimistic write: applies only if nobody wrote the row since `version`
 * was read. False means a conflict: read again and retry.
 */
export async function writeIfVersion(db: Db, sku: string, version: number, stock: number): Promise<boolean> {
  const result = await db
    .updateTable('skus')
    .set({ stock, version: sql<number>`version + 1` })
    .where('sku', '=', sku)
    .where('version', '=', version)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Bounds how long this transaction waits for any row lock (55P03 when it expires). */
export async function setLockTimeout(trx: Db, ms: number): Promise<void> {
  // SET takes no bind parameters; the value is an integer we own, never client input.
  await sql.raw(`set local lock_timeout = ${Math.trunc(ms)}`).execute(trx);
}

/** SELECT … FOR UPDATE: holds the SKU's row lock until the transaction ends. */
export async function lockStock(trx: Db, sku: string): Promise<number | undefined> {
  const row = await trx.selectFrom('skus').select('stock').where('sku', '=', sku).forUpdate().executeTakeFirst();
  return row?.stock;
}
