import type { Kysely } from 'kysely';
import { findOrdersByIdempotencyKeys } from '../../../db/queries/orders.js';
import type { Database, Order } from '../../../db/schema.js';
import { createKeyedBatcher } from '../../../lib/sku-batcher.js';

/** Finds the order of an Idempotency-Key in PostgreSQL, the truth. */
export type OrderLookup = (idempotencyKey: string) => Promise<Order | undefined>;

// Lookups that arrive while one is out leave together: the size of one IN list.
const maxKeysPerLookup = 500;

/**
 * Lookups of one event-loop turn (and those arriving while one is out) share
 * one SELECT: a refusal is checked against PostgreSQL for the key's earlier
 * order (a Redis that lost its markers cannot answer that), and under a
 * flash sale most buyers are refused, so one read per refusal would be the
 * refusal path's largest cost.
 */
export function createOrderLookup(db: Kysely<Database>): OrderLookup {
  const batcher = createKeyedBatcher<string, Order | undefined>({
    windowMs: 0,
    maxSize: maxKeysPerLookup,
    flush: async (_all, keys) => {
      const found = new Map((await findOrdersByIdempotencyKeys(db, keys)).map((order) => [order.idempotency_key, order]));
      return keys.map((key) => found.get(key));
    },
  });
  return (idempotencyKey) => batcher.submit('orders', idempotencyKey);
}
