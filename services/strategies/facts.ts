// No imports: the k6 scripts and the load tests import this type too.

/**
 * What a strategy is, known without building it: the one home of these facts.
 * GET /v1/strategies serves them, and the load tests, the report, its checks
 * and the tests read them there or from the registry, never by name.
 */
export interface StrategyFacts {
  readonly name: string;
  readonly description: string;
  /** True when the answer is 202 pending and the order settles later. */
  readonly async: boolean;
  /** False only for a deliberately unsafe baseline: its oversell is reported, never a failed check. */
  readonly safe: boolean;
  /**
   * The store whose atomic step decides the sale, so its rate is read against
   * that store's ceiling. A lock taken in Redis does not count: redis-lock and
   * redlock decide with a fenced UPDATE in PostgreSQL.
   */
  readonly decidesIn: 'postgres' | 'redis';
  /** What it needs besides PostgreSQL and the main Redis: the worker (to apply its queue or relay its events), Kafka, etcd. */
  readonly needs: readonly StrategyNeed[];
}

/** Everything a strategy may need besides PostgreSQL and the main Redis: the API's schema and the fault runner read this list. */
export const strategyNeeds = ['worker', 'kafka', 'etcd'] as const;
export type StrategyNeed = (typeof strategyNeeds)[number];

export function isStrategyNeed(value: unknown): value is StrategyNeed {
  return strategyNeeds.some((need) => need === value);
}
