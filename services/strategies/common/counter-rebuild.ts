import type { Kysely } from 'kysely';
import { freeUnitNames, unitsSold } from '../../../db/queries/orders.js';
import type { Database } from '../../../db/schema.js';
import { findSku } from '../../../db/queries/skus.js';
import { decidedCopiedKey, releasedCopiedKey, restockedCopiedKey, returnedUnitsKey, stockKey } from '../../shared/redis-keys.js';
import { recordChange } from './reconciliation-log.js';
import type { StrategyDeps } from '../strategy.js';

export interface CounterRebuild {
  /**
   * Called when a Redis script found no stock counter. 'unknown_sku' when
   * PostgreSQL has no such SKU either; otherwise the counter was lost
   * (FLUSHALL, a replica promoted without it): a rebuild starts, and the
   * caller answers 503 until it is done (fail-closed: no guessing).
   */
  counterMissing(sku: string): Promise<'unknown_sku' | 'rebuilding'>;
}

/** What the orders say a SKU's counter should hold; undefined for an unknown SKU. */
export async function unitsLeft(deps: Pick<StrategyDeps, 'db'>, sku: string): Promise<UnitsLeft | undefined> {
  // One snapshot: the SKU's totals are those of the orders the units left come from.
  const { confirmedUnits, reservedUnits, releasedUnits, row, units, names } = await deps.db
    .transaction()
    .setIsolationLevel('repeatable read')
    .execute(async (trx) => {
      const sold = await unitsSold(trx, sku);
      const found = await findSku(trx, sku);
      if (found === undefined) return { ...sold, row: found, units: 0, names: '' };
      // Live holds (reserve) are out of the stock until they end.
      const forSale = found.initial_stock + found.restocked_units;
      const units = Math.max(0, forSale - sold.confirmedUnits - sold.reservedUnits);
      return { ...sold, row: found, units, names: await namesLeft(trx, sku, forSale, units) };
    });
  if (row === undefined) return undefined;
  const { initial_stock: initial, decided_units: decided, restocked_units: restocked } = row;
  const held = reservedUnits === 0 ? '' : ` - held ${reservedUnits}`;
  const added = restocked === 0 ? '' : ` + restocked ${restocked}`;
  return { units, released: releasedUnits, decided, restocked, names, why: `initial ${initial}${added} - confirmed ${confirmedUnits}${held}` };
}

// Names put back one by one (a sorted set member each) by the rebuild: past this, numbering restarts instead.
const maxNamesKept = 100_000;

/**
 * The free unit names, when they account for every unit left: then every
 * sale of the SKU named its units (redis-lua's), and the rebuilt counter
 * hands out exactly these. Otherwise (sales that named none, or more names
 * than the rebuild puts back) '', and numbering restarts from the top.
 */
async function namesLeft(db: Kysely<Database>, sku: string, top: number, units: number): Promise<string> {
  if (units === 0 || units > maxNamesKept) return '';
  const free = await freeUnitNames(db, sku, top);
  return free.count === units ? free.ranges.map(([lo, hi]) => `${lo}-${hi}`).join(',') : '';
}

/** What a counter rebuilt from the orders holds, the totals that read saw, and the sum in words. */
export interface UnitsLeft {
  units: number;
  released: number;
  decided: number;
  restocked: number;
  /** The free unit names as 'lo-hi,…' when they are exactly the units left, else '' (namesLeft). */
  names: string;
  why: string;
}

/** Sets the SKU's counter from `left` if it is still missing; true when it did. */
async function setMissingCounter(deps: Pick<StrategyDeps, 'redis'>, sku: string, left: UnitsLeft): Promise<boolean> {
  const set = await deps.redis.rebuildCounter(
    stockKey(sku),
    returnedUnitsKey(sku),
    releasedCopiedKey(sku),
    decidedCopiedKey(sku),
    restockedCopiedKey(sku),
    left.units,
    left.released,
    left.decided,
    left.restocked,
    left.names,
  );
  return set === 1;
}

/** Sets a missing counter from the orders (not one another process rebuilt first), and says so. */
export async function rebuildMissingCounter(deps: Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>, sku: string): Promise<void> {
  const left = await unitsLeft(deps, sku);
  if (left !== undefined && (await setMissingCounter(deps, sku, left))) await recordChange(deps, { sku, action: 'counter_rebuilt', units: left.units, detail: left.why });
}

/**
 * Rebuilds lost stock counters from PostgreSQL's truth: initial stock minus
 * the confirmed units of every order of the SKU (the queue worker takes its
 * own orders off the counter as it applies them, so pending ones are not
 * subtracted). One rebuild per SKU at a time in a process; the Redis script
 * sets the counter only if it is still missing, so two processes cannot
 * clobber each other.
 *
 * Why a rebuild cannot oversell: orders whose deductions were in flight when
 * the counter vanished are written after the read, so the rebuilt counter
 * can be too high by those units. The next sales then name those same units,
 * and PostgreSQL refuses them (sold_units_pkey): too high a counter
 * costs refusals, never a unit sold twice.
 */
export function createCounterRebuild(deps: Pick<StrategyDeps, 'db' | 'redis' | 'metrics' | 'log'>): CounterRebuild {
  const running = new Map<string, Promise<void>>();

  return {
    async counterMissing(sku) {
      if ((await findSku(deps.db, sku)) === undefined) return 'unknown_sku';
      if (!running.has(sku)) {
        const started = rebuildMissingCounter(deps, sku)
          .catch((error: unknown) => deps.log.error({ err: error, sku }, 'stock counter not rebuilt; the next purchase tries again'))
          .finally(() => running.delete(sku));
        running.set(sku, started);
      }
      return 'rebuilding';
    },
  };
}
