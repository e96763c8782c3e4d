import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Subtracts up to `limit` orders that Redis decided (stock_applied = false)
 * from their SKUs' skus.stock, in one statement: one hot-row UPDATE per SKU
 * per batch instead of one per sale. Flipping the flag in the same statement
 * makes each order count exactly once. Every API process runs it; one at a
 * time does (a transaction-scoped advisory lock, tried, not waited for): two
 * batches spanning several SKUs would update the SKU rows in whatever order
 * their joins gave and deadlock, costing a second and a rollback. Returns
 * how many orders it applied (0 when another process holds the turn).
 */
// The two-int4 key space of advisory locks, apart from the one-bigint keys the SKU locks use (db/queries/skus.ts).
const catchUpLock = { space: 0x5a1e, id: 1 };

export async function applyRedisDecidedOrders(db: Kysely<Database>, limit: number): Promise<number> {
  const result = await sql<{ orders: string }>`
    with turn as (
      select pg_try_advisory_xact_lock(${catchUpLock.space}::int, ${catchUpLock.id}::int) as mine
    ), batch as (
      select id from orders where not stock_applied and (select mine from turn) limit ${limit} for update skip locked
    ), applied as (
      update orders set stock_applied = true from batch where orders.id = batch.id returning orders.sku, orders.quantity
    ), per_sku as (
      select sku, sum(quantity)::int as units, count(*)::int as orders from applied group by sku
    ), moved as (
      update skus set stock = skus.stock - per_sku.units, version = skus.version + 1 from per_sku where skus.sku = per_sku.sku returning per_sku.orders
    )
    select coalesce(sum(orders), 0)::text as orders from moved`.execute(db);
  return Number(result.rows[0]?.orders ?? 0);
}
