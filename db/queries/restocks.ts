import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

type Db = Kysely<Database>;

/** What a restock did: added now, already done under this key, the key used for another restock, or no such SKU. */
export type Restock =
  | { kind: 'restocked' | 'replayed'; units: number; restockedUnits: number; stock: number; initialStock: number }
  | { kind: 'key_reused'; sku: string; units: number }
  | { kind: 'unknown_sku' };

/**
 * Adds `units` to a SKU's stock once per Idempotency-Key, in one
 * transaction: the restock's row (its key unique), then the stock and
 * skus.restocked_units, the total the Redis counter copies. A retry with the
 * key finds the row and changes nothing.
 */
export async function restockSku(db: Db, sku: string, units: number, key: string): Promise<Restock> {
  return db.transaction().execute(async (trx): Promise<Restock> => {
    const added = await trx
      .insertInto('restocks')
      .columns(['idempotency_key', 'sku', 'units'])
      .expression(trx.selectFrom('skus').select([sql<string>`${key}::text`.as('idempotency_key'), 'sku', sql<number>`${units}::int`.as('units')]).where('sku', '=', sku))
      .onConflict((oc) => oc.column('idempotency_key').doNothing())
      .returning('units')
      .executeTakeFirst();
    if (added === undefined) {
      const earlier = await trx.selectFrom('restocks').select(['sku', 'units']).where('idempotency_key', '=', key).executeTakeFirst();
      if (earlier === undefined) return { kind: 'unknown_sku' };
      if (earlier.sku !== sku || earlier.units !== units) return { kind: 'key_reused', sku: earlier.sku, units: earlier.units };
      const row = await trx.selectFrom('skus').select(['stock', 'restocked_units', 'initial_stock']).where('sku', '=', sku).executeTakeFirstOrThrow();
      return { kind: 'replayed', units, restockedUnits: row.restocked_units, stock: row.stock, initialStock: row.initial_stock };
    }
    const row = await trx
      .updateTable('skus')
      .set({ stock: sql<number>`stock + ${units}`, version: sql<number>`version + 1`, restocked_units: sql<number>`restocked_units + ${units}` })
      .where('sku', '=', sku)
      .returning(['stock', 'restocked_units', 'initial_stock'])
      .executeTakeFirstOrThrow();
    return { kind: 'restocked', units, restockedUnits: row.restocked_units, stock: row.stock, initialStock: row.initial_stock };
  });
}
