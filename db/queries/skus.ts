import { type Kysely, sql } from 'kysely';
import type { Database, Sku } from '../schema.js';

// Every function takes `db` or a transaction first, so callers choose the boundary.
type Db = Kysely<Database>;

/** A SKU's sale settings: units per buyer at most (null: unlimited), and how long a reserve hold lasts (undefined: the default). */
export interface SkuSettings {
  maxPerUser?: number | null;
  holdSeconds?: number;
  /** Absent: sold without a waiting room. */
  waitingRoom?: { admitPerSecond: number | 'auto'; tokenTtlSeconds: number; drawSeconds: number };
}

/** Creates a SKU and returns it as stored (defaults filled in); undefined when it already exists. */
export async function insertSku(db: Db, sku: string, stock: number, settings: SkuSettings = {}): Promise<Sku | undefined> {
  const room = settings.waitingRoom;
  return db
    .insertInto('skus')
    .values({
      sku,
      initial_stock: stock,
      stock,
      max_per_user: settings.maxPerUser ?? null,
      hold_seconds: settings.holdSeconds,
      line_token_ttl_seconds: room?.tokenTtlSeconds ?? null,
      line_admit_per_second: room === undefined || room.admitPerSecond === 'auto' ? null : room.admitPerSecond,
      line_draw_seconds: room?.drawSeconds,
    })
    .onConflict((oc) => oc.column('sku').doNothing())
    .returningAll()
    .executeTakeFirst();
}

export async function findSku(db: Db, sku: string): Promise<Sku | undefined> {
  return db.selectFrom('skus').selectAll().where('sku', '=', sku).executeTakeFirst();
}

/**
 * A plain read, no lock, with the version. Safe to decide on only under
 * something else that serialises writers (a lock held with its fence, a
 * version check); naive decides on it bare, which is its lost update.
 */
export async function readStock(db: Db, sku: string): Promise<{ stock: number; version: number } | undefined> {
  return db.selectFrom('skus').select(['stock', 'version']).where('sku', '=', sku).executeTakeFirst();
}

/**
 * Writes a value computed from an earlier read, and bumps the version. Safe
 * only where that read cannot be stale: under a row lock taken in the same
 * transaction (pg-pessimistic, the lock strategies' fenced write). naive
 * calls it without one, which is the lost update it shows. `sold` units are
 * added to decided_units; returns the new total (what the Redis counter copies).
 */
export async function overwriteStock(db: Db, sku: string, stock: number, sold: number): Promise<number> {
  const row = await db
    .updateTable('skus')
    .set({ stock, version: sql<number>`version + 1`, decided_units: sql<number>`decided_units + ${sold}` })
    .where('sku', '=', sku)
    .returning('decided_units')
    .executeTakeFirstOrThrow();
  return row.decided_units;
}

/**
 * Takes `units` decided in this transaction under the row lock (the queue
 * worker's batch), keeping decided_units in step; returns its new total.
 */
export async function takeStock(db: Db, sku: string, units: number): Promise<number> {
  const row = await db
    .updateTable('skus')
    .set({ stock: sql<number>`stock - ${units}`, version: sql<number>`version + 1`, decided_units: sql<number>`decided_units + ${units}` })
    .where('sku', '=', sku)
    .returning('decided_units')
    .executeTakeFirstOrThrow();
  return row.decided_units;
}

/**
 * The optimistic write: applies only if nobody wrote the row since `version`
 * was read, adding `sold` to decided_units. Undefined means a conflict: read
 * again and retry; otherwise the new decided_units total.
 */
export async function writeIfVersion(db: Db, sku: string, version: number, stock: number, sold: number): Promise<number | undefined> {
  const row = await db
    .updateTable('skus')
    .set({ stock, version: sql<number>`version + 1`, decided_units: sql<number>`decided_units + ${sold}` })
    .where('sku', '=', sku)
    .where('version', '=', version)
    .returning('decided_units')
    .executeTakeFirst();
  return row?.decided_units;
}

/** decided_units under a share lock on the row: no sale can commit a new total on it until this transaction ends. */
export async function lockDecidedUnits(db: Db, sku: string): Promise<number | undefined> {
  const row = await db.selectFrom('skus').select('decided_units').where('sku', '=', sku).forShare().executeTakeFirst();
  return row?.decided_units;
}

/** One page of SKUs some PostgreSQL-decided sale took from or a restock added to, after `afterSku` in key order, with their totals. */
export async function copiedTotals(db: Db, afterSku: string, limit: number): Promise<Array<{ sku: string; decided_units: number; restocked_units: number }>> {
  return db
    .selectFrom('skus')
    .select(['sku', 'decided_units', 'restocked_units'])
    .where('sku', '>', afterSku)
    .where((eb) => eb.or([eb('decided_units', '>', 0), eb('restocked_units', '>', 0)]))
    .orderBy('sku')
    .limit(limit)
    .execute();
}

/**
 * Bounds this transaction's waits, in one round trip: each wait for a lock
 * (55P03 when it expires) and each statement (57014). Both, because a
 * FOR UPDATE behind other waiters waits twice (first for the tuple lock the
 * waiter ahead holds, then for the row's transaction), each wait with a fresh
 * lock_timeout: 800 ms each answered after 1.6 s. statement_timeout bounds the pair.
 */
export async function boundWaits(trx: Db, bounds: { lockMs: number; statementMs: number }): Promise<void> {
  // set_config(…, true) is SET LOCAL with bind parameters.
  await sql`select set_config('lock_timeout', ${String(Math.trunc(bounds.lockMs))}, true), set_config('statement_timeout', ${String(Math.trunc(bounds.statementMs))}, true)`.execute(trx);
}

/** SELECT … FOR UPDATE: holds the SKU's row lock until the transaction ends. */
export async function lockStock(trx: Db, sku: string): Promise<number | undefined> {
  const row = await trx.selectFrom('skus').select('stock').where('sku', '=', sku).forUpdate().executeTakeFirst();
  return row?.stock;
}

// The advisory key space of this service: a seed for hashtextextended, so a SKU's
// key is not simply its hash, which another application's keys in the same
// database could also be. Any constant works; it must not change while an
// older process may still be running.
const advisoryKeySeed = 0x5a1e;

/**
 * pg_advisory_xact_lock on the SKU's key, held until the transaction ends.
 * The lock lives in PostgreSQL's lock table, not in the row: taking it writes
 * nothing. The key is hashtextextended(sku, seed), 64 bits: the hash
 * PostgreSQL keeps stable across releases (hash partitioning stores by it).
 * Two SKUs sharing a key (odds ~n²/2⁶⁵ for n SKUs) would only wait for each
 * other, never sell each other's stock. lock_timeout bounds the wait (55P03).
 */
export async function lockSkuKey(trx: Db, sku: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${sku}, ${advisoryKeySeed}))`.execute(trx);
}

/** A SKU's waiting-room columns; undefined when there is no such SKU. */
export async function findLineSettings(db: Db, sku: string): Promise<Pick<Sku, 'line_token_ttl_seconds' | 'line_admit_per_second' | 'line_draw_seconds'> | undefined> {
  return db.selectFrom('skus').select(['line_token_ttl_seconds', 'line_admit_per_second', 'line_draw_seconds']).where('sku', '=', sku).executeTakeFirst();
}
