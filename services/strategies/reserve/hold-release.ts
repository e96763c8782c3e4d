import { markReleasesCopied, type UncopiedRelease } from '../../../db/queries/holds.js';
import { releasedCopiedKey, returnedUnitsKey, soldOutFlagKey, stockKey } from '../../shared/redis-keys.js';
import { reserveFacts } from './facts.js';
import type { StrategyDeps } from '../strategy.js';

type CopyDeps = Pick<StrategyDeps, 'db' | 'redis'>;

/**
 * Copies a SKU's released units (holds ended by a cancel or the sweeper) to
 * its Redis counter, then records in PostgreSQL that the counter has them.
 *
 * Why a count and not a delta: the statement that ends holds raises
 * skus.released_units in the same commit, so a release that committed is
 * visible to anyone who asks, whenever it committed and whoever sent it. A
 * copier killed after the commit (kill -9 of the worker, a statement that
 * ran on after its client died) leaves released_units above released_copied,
 * and the mirror repair in any process copies it on its next round. The
 * Redis script adds only what the counter lacks, so the release's own copy,
 * a repair and a retry can all run, in any order, and the units land once.
 * The first design noted the SKU before the statement and checked it once
 * the SKU was quiet for 1 s: a statement held up longer than that (a row
 * lock, a slow disk) committed after the check and the counter stayed low.
 * Sales decided in PostgreSQL are copied the same way (skus.decided_units,
 * common/stock-mirror.ts).
 */
export async function copyRelease(deps: CopyDeps, { sku, releasedTotal }: UncopiedRelease): Promise<void> {
  // null (no counter): the counter's rebuild reads the orders, this release included.
  await deps.redis.copyAdded(stockKey(sku), releasedCopiedKey(sku), soldOutFlagKey(sku), returnedUnitsKey(sku), releasedTotal, '');
  await markReleasesCopied(deps.db, sku, releasedTotal);
}

/**
 * After a hold's units went back to skus.stock: the Redis counter gets them
 * too, as every PostgreSQL-decided change is copied, and the SKU's sold-out
 * flag goes, since its stock grew back (with the flag left, kafka-queue's
 * front door would turn buyers away from units on sale again). A copy that
 * fails is left to the mirror repair (stock-mirror.ts), which finds it in
 * PostgreSQL. Resolves once every copy was tried; never rejects.
 */
export async function afterRelease(deps: CopyDeps & Pick<StrategyDeps, 'metrics' | 'log'>, released: readonly UncopiedRelease[]): Promise<void> {
  await Promise.all(
    released.map((release) =>
      copyRelease(deps, release).catch((error: unknown) => {
        deps.metrics.stockMirrorFailures.inc({ strategy: reserveFacts.name, store: 'redis' });
        deps.log.warn({ err: error, ...release }, 'released units not copied to Redis; the mirror repair copies them');
      }),
    ),
  );
}
