import type { ReleasedUnits } from '../../db/queries/holds.js';
import { soldOutFlagKey } from '../shared/redis-keys.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { StrategyDeps } from './strategy.js';
import { reserveFacts } from './reserve.js';

/**
 * After a hold's units went back to skus.stock (a cancel or the sweeper):
 * the Redis counter gets them too, as every PostgreSQL-decided change is
 * copied (stock-mirror.ts repairs a lost copy), and the SKU's sold-out flag
 * goes, since its stock grew back: with the flag left, kafka-queue's front
 * door would turn buyers away from units on sale again. Neither is awaited
 * by the answer: PostgreSQL already holds the truth.
 */
export function afterRelease(deps: Pick<StrategyDeps, 'redis' | 'metrics' | 'log'>, released: readonly ReleasedUnits[]): void {
  for (const { sku, units } of released) {
    mirrorToRedis(deps, reserveFacts.name, sku, units);
    deps.redis.del(soldOutFlagKey(sku)).catch((error: unknown) => deps.log.warn({ err: error, sku }, 'sold-out flag not cleared after a hold was released'));
  }
}
