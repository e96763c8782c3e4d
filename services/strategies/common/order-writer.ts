import type { Kysely } from 'kysely';
import { closedOrderIds, insertUnitOrders, orderIdsByKey, ordersNamingSoldUnits, type UnitOrder } from '../../../db/queries/orders.js';
import { findSku } from '../../../db/queries/skus.js';
import type { Database } from '../../../db/schema.js';
import { createKeyedBatcher } from '../../../lib/sku-batcher.js';
import { isPerUserLimit, isUnitTaken } from '../../../db/errors.js';
import { leasesNotOpen } from '../../../db/queries/leases.js';

/**
 * What PostgreSQL did with one order: written; skipped because this very
 * order (same id) is there already, written by an earlier attempt or another
 * API process that met the same deduction; skipped because its key has
 * another order; refused because another order holds one of its units (or a
 * unit lies beyond the stock); refused because the SKU does not exist;
 * refused because its order id was closed while its units are given back
 * (a retry of a key whose first attempt was abandoned, see closeUnwrittenOrder);
 * refused because its buyer would pass the SKU's per-user limit; refused
 * because its lease (redis-lease) was closed: whoever closed it gives back
 * every unit of it no order holds.
 */
export type OrderWrite = 'inserted' | 'written_elsewhere' | 'duplicate' | 'units_taken' | 'unknown_sku' | 'given_back' | 'per_user_limit' | 'lease_closed';

export interface OrderWriter {
  /** Resolves with what happened to the order (of a lease when it names one); rejects with its batch's error. */
  write(order: UnitOrder): Promise<OrderWrite>;
}

/** Why the orders a batch skipped were skipped: one read for the keys, then, for the rest, one for the SKU and one for closed ids. Only runs when something was skipped. */
async function classifySkipped(db: Kysely<Database>, sku: string, skipped: readonly UnitOrder[]): Promise<Map<string, OrderWrite>> {
  const ordered = await orderIdsByKey(db, skipped.map((order) => order.idempotencyKey));
  const refused = skipped.filter((order) => !ordered.has(order.idempotencyKey));
  const closedLeases = await leasesNotOpen(db, [...new Set(refused.flatMap((order) => (order.leaseId === undefined ? [] : [order.leaseId])))]);
  const known = refused.length === 0 || (await findSku(db, sku)) !== undefined;
  // A retry finishing an earlier attempt's deduction can meet its own id closed: those units are being given back, not sold.
  const closed = await closedOrderIds(db, refused.map((order) => order.id));
  const why = (order: UnitOrder): OrderWrite => {
    const existing = ordered.get(order.idempotencyKey);
    // This very order, written by an earlier attempt or by another API process that met
    // the same deduction (the same key at two processes at once): the units are its, not extra.
    if (existing === order.id) return 'written_elsewhere';
    if (existing !== undefined) return 'duplicate';
    if (order.leaseId !== undefined && closedLeases.has(order.leaseId)) return 'lease_closed';
    if (closed.has(order.id)) return 'given_back';
    return known ? 'units_taken' : 'unknown_sku';
  };
  return new Map(skipped.map((order) => [order.id, why(order)]));
}

/** What one order of a batch came to: written or refused, or the error of its own statement. */
type Written = OrderWrite | { failed: unknown };

/**
 * The fallback when a batch met the per-user limit, or named a unit another
 * order holds again after the orders naming sold units were taken out
 * (writeAround; either fails the whole statement): each order in its own
 * statement and commit, each with its own result. An error fails only the
 * order whose statement raised it: those before it are committed, and
 * failing them too would have their buyers told 500 and their units given
 * back while their orders stand.
 */
async function writeOneByOne(db: Kysely<Database>, orders: readonly UnitOrder[], written: (orders: UnitOrder[]) => void): Promise<Written[]> {
  const results: Written[] = [];
  for (const order of orders) {
    try {
      const inserted = await insertUnitOrders(db, [order]);
      if (inserted.size > 0) written([order]);
      results.push(inserted.size > 0 ? 'inserted' : ((await classifySkipped(db, order.sku, [order])).get(order.id) ?? 'units_taken'));
    } catch (error: unknown) {
      // Raised only by a row that was going in: not a key or an id written already (those are skipped), so the unit is another order's.
      results.push(isUnitTaken(error) ? 'units_taken' : isPerUserLimit(error) ? await limitOrTaken(db, order) : { failed: error });
    }
  }
  return results;
}

/**
 * The per-user limit's trigger runs before the units' (row before statement):
 * an order past the limit that also names a sold unit raises the limit. Its
 * units are someone else's, and a strategy told 'per_user_limit' gives an
 * order's units back to the counter: so the sold unit wins.
 */
async function limitOrTaken(db: Kysely<Database>, order: UnitOrder): Promise<OrderWrite> {
  return (await ordersNamingSoldUnits(db, order.sku, [order])).has(order.id) ? 'units_taken' : 'per_user_limit';
}

/**
 * One INSERT for the batch. A buyer past the per-user limit fails the
 * statement for all: one at a time then. So does a unit another order holds
 * (Redis lost writes and handed it out again; after a failover, most batches
 * for a while): the orders naming sold units are taken out and the rest go
 * together again, one statement more instead of one per order; meeting one
 * a second time (a unit taken meanwhile, or two orders of the batch naming
 * one) falls back to one at a time.
 */
async function writeBatch(db: Kysely<Database>, sku: string, orders: readonly UnitOrder[], written: (orders: UnitOrder[]) => void, unitsLookedAt: boolean): Promise<Written[]> {
  let inserted: Set<string>;
  try {
    inserted = await insertUnitOrders(db, orders);
  } catch (error: unknown) {
    if (isUnitTaken(error) && !unitsLookedAt) return writeAround(db, sku, orders, written);
    if (!isPerUserLimit(error) && !isUnitTaken(error)) throw error;
    return writeOneByOne(db, orders, written);
  }
  // By order id, not key: two attempts of one key in one batch (a retry while the first is still
  // queued) insert one row, and only that attempt's buyer may be told 201 with its id.
  const skipped = orders.filter((order) => !inserted.has(order.id));
  const why = skipped.length === 0 ? new Map<string, OrderWrite>() : await classifySkipped(db, sku, skipped);
  if (inserted.size > 0) written(orders.filter((order) => inserted.has(order.id)));
  return orders.map((order) => (inserted.has(order.id) ? 'inserted' : (why.get(order.id) ?? 'units_taken')));
}

/**
 * The batch named a unit some order holds. Those naming one are not written:
 * each is told why as a skipped row is (its own order, written by another
 * process, holds its units too: that is 'written_elsewhere', not a refusal).
 */
async function writeAround(db: Kysely<Database>, sku: string, orders: readonly UnitOrder[], written: (orders: UnitOrder[]) => void): Promise<Written[]> {
  const naming = await ordersNamingSoldUnits(db, sku, orders);
  const rest = orders.filter((order) => !naming.has(order.id));
  const why = await classifySkipped(db, sku, orders.filter((order) => naming.has(order.id)));
  const results = rest.length === 0 ? [] : await writeBatch(db, sku, rest, written, true);
  const restResults = new Map(rest.map((order, index) => [order.id, results[index]]));
  return orders.map((order): Written => restResults.get(order.id) ?? why.get(order.id) ?? 'units_taken');
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
 * Orders of leases batch by SKU too, whatever lease each is of (each row
 * passes its own lease's fence): batched per lease, the 4 fills of
 * redis-buckets split its orders into 4 INSERTs at a time.
 * `written` hears of each batch's inserted orders, after the commit.
 */
export function createOrderWriter(db: Kysely<Database>, maxBatch: number, written: (orders: UnitOrder[]) => void): OrderWriter {
  const batcher = createKeyedBatcher<UnitOrder, Written>({
    windowMs: 0,
    maxSize: maxBatch,
    flush: async (_key, orders) => {
      const first = orders[0];
      return first === undefined ? [] : writeBatch(db, first.sku, orders, written, false);
    },
  });
  return {
    write: async (order) => {
      // Orders of leases and orders of none go in separate statements (the lease fence joins every row).
      const result = await batcher.submit(order.leaseId === undefined ? order.sku : `${order.sku}\nleased`, order);
      if (typeof result === 'object') throw result.failed;
      return result;
    },
  };
}
