import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The counters strategies write to; kept narrow so strategies stay testable alone. */
export interface StrategyMetrics {
  /** A decision made in one store could not be copied to the other (audit will say inconsistent). */
  stockMirrorFailures: Counter<'strategy' | 'store'>;
  /** Undoing a Redis deduction after PostgreSQL refused the order. */
  compensations: Counter<'strategy' | 'result'>;
  /** Optimistic conflicts that led to another attempt: retry storms show here. */
  retries: Counter<'strategy'>;
  /** Lock attempts by result: acquired, timeout (gave up waiting), lost (lease not renewed), turned_away (refused at once: line full, or its turn would come too late). */
  locks: Counter<'strategy' | 'result'>;
  /** Writes PostgreSQL refused because their fencing token was older than one already accepted. */
  fencedWrites: Counter<'strategy'>;
  /** What the reconciler changed: deductions given back, counters rebuilt, orders refused for units sold twice. */
  reconciliations: Counter<'action'>;
  /**
   * kafka-queue sends that failed, by result: circuit_open (refused before
   * anything was recorded), not_sent (refused by the sender, record undone),
   * unknown (no acknowledgement in time: kept for the sweeper).
   */
  queueSendFailures: Counter<'strategy' | 'result'>;
  /** kafka-queue purchases the sweeper re-sent because Kafka never acknowledged them to the front door. */
  queueResends: Counter;
  /** Units of holds (strategy reserve) that lapsed and went back on sale. */
  holdsReleased: Counter;
}

export interface Metrics extends StrategyMetrics {
  registry: Registry;
  purchases: Counter<'strategy' | 'outcome'>;
  purchaseSeconds: Histogram<'strategy' | 'outcome'>;
}

/** One registry per app instance, so several apps in one test process do not collide. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    purchases: new Counter({
      name: 'purchase_requests_total',
      help: 'Purchase requests by strategy and outcome',
      labelNames: ['strategy', 'outcome'],
      registers: [registry],
    }),
    purchaseSeconds: new Histogram({
      name: 'purchase_duration_seconds',
      help: 'Purchase latency by strategy and outcome',
      labelNames: ['strategy', 'outcome'],
      // From sub-millisecond Redis answers to lock waits of seconds.
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    stockMirrorFailures: new Counter({
      name: 'stock_mirror_failures_total',
      help: 'Stock changes decided in one store that could not be copied to the other',
      labelNames: ['strategy', 'store'],
      registers: [registry],
    }),
    retries: new Counter({
      name: 'strategy_retries_total',
      help: 'Attempts repeated after an optimistic conflict',
      labelNames: ['strategy'],
      registers: [registry],
    }),
    locks: new Counter({
      name: 'strategy_locks_total',
      help: 'Lock attempts by result (acquired, timeout, lost, turned_away)',
      labelNames: ['strategy', 'result'],
      registers: [registry],
    }),
    fencedWrites: new Counter({
      name: 'fenced_writes_total',
      help: 'Writes refused by PostgreSQL because their fencing token was stale',
      labelNames: ['strategy'],
      registers: [registry],
    }),
    reconciliations: new Counter({
      name: 'reconciler_actions_total',
      help: 'Changes the reconciler made (deduction_given_back, counter_rebuilt, counter_resynced, units_refused); each is listed per SKU by GET /v1/admin/skus/:sku/reconciliation',
      labelNames: ['action'],
      registers: [registry],
    }),
    compensations: new Counter({
      name: 'redis_compensations_total',
      help: 'Redis deductions undone because PostgreSQL did not take the order',
      labelNames: ['strategy', 'result'],
      registers: [registry],
    }),
    queueSendFailures: new Counter({
      name: 'queue_send_failures_total',
      help: 'kafka-queue sends that failed: circuit_open (nothing recorded), not_sent (record undone), unknown (left to the sweeper)',
      labelNames: ['strategy', 'result'],
      registers: [registry],
    }),
    queueResends: new Counter({
      name: 'queue_sweeper_resends_total',
      help: 'kafka-queue purchases re-sent by the sweeper because Kafka never acknowledged them to the front door',
      registers: [registry],
    }),
    holdsReleased: new Counter({
      name: 'holds_released_units_total',
      help: 'Units of reserve holds that lapsed and were put back on sale by the hold sweeper',
      registers: [registry],
    }),
  };
}
