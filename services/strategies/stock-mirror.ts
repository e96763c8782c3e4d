import { stockKey } from '../shared/redis-keys.js';
import type { StrategyDeps } from './strategy.js';

/**
 * Copies a stock change that PostgreSQL decided to the Redis counter, after
 * the commit. Every strategy keeps both stores in step so strategies can be
 * mixed on one SKU and the audit can compare each store with the orders.
 * This is a second write, not a transaction: if it fails the order stands
 * (PostgreSQL is the truth), the failure is counted and the audit shows it.
 *
 * Not awaited: the buyer's answer does not depend on it. Awaited, a paused
 * main Redis held every PostgreSQL-decided sale for the Redis command timeout.
 */
export function mirrorToRedis(deps: StrategyDeps, strategy: string, sku: string, delta: number): void {
  deps.redis.adjustStock(stockKey(sku), delta).catch((error: unknown) => {
    deps.metrics.stockMirrorFailures.inc({ strategy, store: 'redis' });
    deps.log.warn({ err: error, sku, delta, strategy }, 'stock change not copied to Redis');
  });
}
