import type { Kysely } from 'kysely';
import { orderKeysOfSku } from '../../../db/queries/orders.js';
import type { Database } from '../../../db/schema.js';
import type { Strategy } from '../../strategies/strategy.js';

/**
 * The Idempotency-Keys that may have an order of a SKU, for sold-out-memory.ts:
 * the strategies' keys whose order PostgreSQL may not show yet (read first),
 * then PostgreSQL's orders (read after, so an order that leaves a strategy's
 * list on its commit is in one read or the other). Undefined past `limit`, or
 * when a strategy cannot name its keys now.
 */
export function createSoldOutKeyLoader(db: Kysely<Database>, strategies: Iterable<Strategy>): (sku: string, limit: number) => Promise<ReadonlySet<string> | undefined> {
  const listers = [...strategies].flatMap((strategy) => (strategy.keysWithoutOrders === undefined ? [] : [strategy.keysWithoutOrders.bind(strategy)]));
  return async (sku, limit) => {
    const pending = await Promise.all(listers.map((list) => list(sku)));
    if (pending.some((keys) => keys === undefined)) return undefined;
    const ordered = await orderKeysOfSku(db, sku, limit + 1);
    const keys = new Set([...ordered, ...pending.flatMap((list) => list ?? [])]);
    return keys.size > limit ? undefined : keys;
  };
}
