import { type Reconciliation, recordReconciliation } from '../../../db/queries/reconciliations.js';
import type { StrategyDeps } from '../strategy.js';

/**
 * Says what the reconciler changed, in the three places an operator looks:
 * a row in PostgreSQL (the reconciliation view), a counter in /metrics and a
 * warning in the log. Not awaited by callers on a request path: the row is a
 * record, not part of any answer; losing it (PostgreSQL down) loses no stock.
 */
export async function recordChange(deps: Pick<StrategyDeps, 'db' | 'metrics' | 'log'>, change: Reconciliation): Promise<void> {
  deps.metrics.reconciliations.inc({ action: change.action });
  deps.log.warn({ ...change }, 'reconciler changed stock state');
  await recordReconciliation(deps.db, change).catch((error: unknown) => deps.log.error({ err: error, ...change }, 'reconciliation not recorded'));
}
