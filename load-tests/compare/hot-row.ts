import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * Updates of the phase SKU's row per answer: skus.version counts every write
 * of the row (from 0 at creation), and each holds the row lock to its commit.
 * 1 for a strategy that writes the row per sale, less when it batches; null
 * when the SKU is unknown.
 */
export async function hotRowUpdates(db: Kysely<Database>, sku: string | null, answers: number): Promise<number | null> {
  if (sku === null || answers <= 0) return null;
  const row = await db.selectFrom('skus').select('version').where('sku', '=', sku).executeTakeFirst().catch(() => undefined);
  return row === undefined ? null : Number(row.version) / answers;
}
