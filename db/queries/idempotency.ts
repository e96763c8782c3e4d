import { type Kysely, sql } from 'kysely';
import type { Database, IdempotencyRecord } from '../schema.js';

type Db = Kysely<Database>;

/** Claims a key for this request; false when another request holds or held it. */
export async function claimKey(db: Db, key: string, requestHash: string): Promise<boolean> {
  const row = await db
    .insertInto('idempotency_keys')
    .values({ key, request_hash: requestHash, state: 'in_flight' })
    .onConflict((oc) => oc.column('key').doNothing())
    .returning('key')
    .executeTakeFirst();
  return row !== undefined;
}

export async function findKey(db: Db, key: string): Promise<IdempotencyRecord | undefined> {
  return db.selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();
}

/**
 * Takes over a key whose holder has been in flight longer than `staleMs`
 * (its process died). Only one caller wins: the update re-checks the age.
 */
export async function takeOverStaleKey(db: Db, key: string, staleMs: number): Promise<boolean> {
  const result = await db
    .updateTable('idempotency_keys')
    .set({ claimed_at: sql<Date>`now()` })
    .where('key', '=', key)
    .where('state', '=', 'in_flight')
    .where('claimed_at', '<', sql<Date>`now() - make_interval(secs => ${staleMs / 1000})`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Stores the answer to replay for every later request with this key. */
export async function completeKey(db: Db, key: string, status: number, body: unknown): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ state: 'completed', response_status: status, response_body: JSON.stringify(body), completed_at: sql<Date>`now()` })
    .where('key', '=', key)
    .execute();
}

/** Frees a key after an answer that must not be replayed (503: the client should retry). */
export async function releaseKey(db: Db, key: string): Promise<void> {
  await db.deleteFrom('idempotency_keys').where('key', '=', key).where('state', '=', 'in_flight').execute();
}
