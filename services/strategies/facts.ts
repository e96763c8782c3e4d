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
  /**
   * The store whose stock count a purchase meets first: the Redis counter for
   * a strategy that admits (or decides) there, PostgreSQL's row otherwise. A
   * fault that rolls the Redis counter back touches only the former.
   */
  readonly keepsStockIn: 'postgres' | 'redis';
  /** Where it takes a lock per SKU before its fenced write: one Redis, a quorum of Redis servers, etcd, or none. */
  readonly locksIn: StrategyLock;
  /** True when a purchase is a hold the buyer confirms or cancels, and lapsed holds go back on sale (the reservation phase, confirm and cancel). */
  readonly holds: boolean;
  /**
   * How many buyers one decision in its store covers: one (a sale), the
   * buyers of the moment together (a batch, group commit), or a process's
   * next few hundred ms of buyers (a lease of stock it then sells from memory).
   */
  readonly decidesPer: StrategyDecision;
  /**
   * True when a SKU's stock is split over Redis keys on different cluster
   * slots (buckets), so one hot SKU spreads over masters; false when its
   * counter is one key. Compare measures the probing such a split costs.
   */
  readonly spreadsStock: boolean;
}

export const strategyDecisions = ['sale', 'batch', 'lease'] as const;
export type StrategyDecision = (typeof strategyDecisions)[number];

export const strategyLocks = ['none', 'redis', 'redis-quorum', 'etcd'] as const;
export type StrategyLock = (typeof strategyLocks)[number];

/**
 * The facts most strategies share: it answers at once, is safe, decides in
 * PostgreSQL's row with no lock taken before it, holds nothing, and needs
 * nothing else running. A strategy spreads these and writes only what sets
 * it apart.
 */
export const plainFacts = {
  async: false,
  safe: true,
  decidesIn: 'postgres',
  needs: [],
  keepsStockIn: 'postgres',
  locksIn: 'none',
  holds: false,
  decidesPer: 'sale',
  spreadsStock: false,
} as const satisfies Omit<StrategyFacts, 'name' | 'description'>;

/** Everything a strategy may need besides PostgreSQL and the main Redis: the API's schema and the fault runner read this list. */
export const strategyNeeds = ['worker', 'kafka', 'etcd'] as const;
export type StrategyNeed = (typeof strategyNeeds)[number];

export function isStrategyNeed(value: unknown): value is StrategyNeed {
  return strategyNeeds.some((need) => need === value);
}
