import { closeLease } from '../../../../db/queries/leases.js';
import { parseMultirange } from '../../../../db/queries/orders.js';
import { returnedUnitsKey, stockKey } from '../../../shared/redis-keys.js';
import { formatUnitRanges, multirangeLiteral, type UnitRanges } from '../unit-ranges.js';
import type { BaseDeps } from '../../strategy.js';
import { leaseKeys } from './keys.js';

/**
 * Ends a lease, the same way whoever ends it (its holder when it retires
 * the lease, the reconciler when the holder never did): closed in
 * PostgreSQL first, which fences off any order of it still to come and
 * waits for those being written (closeLease), then its units no order holds
 * go back to the counter in one script that deletes the lease's record, so
 * they go back once. Returns the units given back; -1 when Redis had no
 * such lease any more (ended already, or lost with Redis's data, when the
 * counter's rebuild from PostgreSQL counted them as free).
 */
export async function endLease(deps: Pick<BaseDeps, 'db' | 'redis'>, ledger: string, sku: string, leaseId: string, ranges: UnitRanges): Promise<number> {
  const unsold = parseMultirange(await closeLease(deps.db, { id: leaseId, sku, units: multirangeLiteral(ranges), ledger }));
  const k = leaseKeys(sku, leaseId, ledger);
  return deps.redis.returnLease(stockKey(sku), returnedUnitsKey(sku), k.record, k.ledger, k.member, formatUnitRanges(unsold));
}
