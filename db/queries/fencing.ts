import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

type Db = Kysely<Database>;

/**
 * A fencing token from PostgreSQL's `fence_tokens` sequence: unique and
 * increasing across the whole database. bigint, so pg returns a string.
 */
export async function nextFenceToken(db: Db): Promise<string> {
  const { rows } = await sql<{ token: string }>`select nextval('fence_tokens')::text as token`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error('nextval returned no row');
  return row.token;
}

/**
 * Where a lock's tokens are recorded: each lock fences its own holders, since
 * tokens of different sources (redis-lock's per-SKU Redis counter, redlock's
 * sequence, etcd-lock's etcd revision) say nothing about each other's order.
 */
export type FenceColumn = 'fence_token' | 'redlock_fence_token' | 'etcd_fence_token';

/**
 * The fenced write: records `token` as the SKU's newest only if it is newer
 * than every token written before. False means a newer lock holder already
 * wrote (or the SKU does not exist): the caller must not write.
 * The UPDATE also takes the row lock, held until the transaction ends, so no
 * other fenced writer can slip in between this check and the caller's writes.
 * Tokens are compared as bigint in SQL: as JavaScript strings "9" > "10".
 */
export async function acceptFenceToken(trx: Db, sku: string, token: string, fence: FenceColumn): Promise<boolean> {
  const result = await trx
    .updateTable('skus')
    .set({ [fence]: sql<string>`${token}::bigint` })
    .where('sku', '=', sku)
    .where(fence, '<', sql<string>`${token}::bigint`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
