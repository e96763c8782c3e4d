import type { Kysely } from 'kysely';
import { insertNewOrders } from '../../../db/queries/orders.js';
import type { Database, NewOrder } from '../../../db/schema.js';
import { createKeyedBatcher } from './sku-batcher.js';

export interface OrderWriter {
  /** Resolves 'inserted', or 'duplicate' when the key has an order already; rejects with its batch's error. */
  write(order: NewOrder): Promise<'inserted' | 'duplicate'>;
}

/**
 * Appends orders decided elsewhere (Redis) with one multi-row INSERT per SKU
 * for the orders that arrive together: while one INSERT is out, the next
 * ones queue and leave together, and an idle SKU's order leaves in the same
 * turn of the event loop (no window). Under load the API then makes one
 * PostgreSQL round trip and one commit per batch, not per sale; the profile
 * of redis-lua selling showed the per-statement socket writes as the API's
 * largest cost. Batching by SKU keeps a failure shared only by orders that
 * share its cause (an unknown SKU fails every order of that SKU alike).
 */
export function createOrderWriter(db: Kysely<Database>, maxBatch: number): OrderWriter {
  const batcher = createKeyedBatcher<NewOrder, 'inserted' | 'duplicate'>({
    windowMs: 0,
    maxSize: maxBatch,
    flush: async (_sku, orders) => {
      const inserted = await insertNewOrders(db, orders);
      return orders.map((order) => (inserted.has(order.idempotency_key) ? 'inserted' : 'duplicate'));
    },
  });
  return { write: (order) => batcher.submit(order.sku, order) };
}
