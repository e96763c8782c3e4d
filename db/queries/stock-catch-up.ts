import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Subtracts up to `limit` orders that Redis decided (stock_applied = false)
 * from their SKUs' skus.stock, in one statement: one hot-row UPDATE per SKU
 * per batch instead of one per sale. SKIP LOCKED lets several API processes
 * run it side by side; flipping the flag in the same statement makes each
 * order count exactly once. Returns how many orders it applied.
 */
export async function applyRedisDecidedOrders(db: Kysely<Database>, limit: number): Promise<number> {
  const result = await sql<{ orders: string }>`
    with batch as (
      select id from orders where not stock_applied limit ${limit} for update skip locked
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
