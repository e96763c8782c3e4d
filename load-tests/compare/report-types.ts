// The shape of report.json, written by `npm run compare` and read by the
// markdown and HTML renderers and by the CI checks. Times are milliseconds,
// rates per second; a figure that could not be measured is null, never 0.

/** Latency percentiles of one group of requests. */
export interface Percentiles {
  count: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/** Answers to POST /v1/purchases, sorted by outcome. */
export interface OutcomeCounts {
  confirmed: number; // 201
  pending: number; // 202 (asynchronous strategies)
  soldOut: number; // 409 sold_out
  contended: number; // 503: could not decide in time, or a store is down
  error: number; // anything else, timeouts included
}

/** Which store's ceiling bounds a strategy's confirmed units per second. */
export type StoreName = 'redis' | 'postgres';

export interface StrategyResult {
  strategy: string;
  /** true when the strategy answers 202 and a worker confirms later (kafka-queue). */
  async: boolean;
  /** The store the strategy's deduction runs in, whose ceiling `ratios.confirmedToStoreCeiling` uses. */
  store: StoreName;
  /** Purchases answered per second, from the scenario start to the last answer (at least the arrival window). */
  throughput: number;
  /** Units confirmed (audit, after settling) per second until the first sold_out answer, or over the window. */
  confirmedPerSecond: number;
  /** Latency of every purchase, whatever its outcome. */
  latencyMs: Percentiles;
  latencyByOutcomeMs: Record<keyof OutcomeCounts, Percentiles>;
  outcomes: OutcomeCounts;
  purchases: number;
  /** Arrivals k6 skipped because every VU was busy: the offered load was not fully applied. */
  droppedIterations: number;
  stock: number;
  confirmedUnits: number | null;
  /** max(0, confirmed − stock), from the audit. */
  oversoldUnits: number | null;
  /** stock − confirmed when some buyer was turned away for a reason other than sold out, else 0. */
  undersoldUnits: number | null;
  /** stock − confirmed after settling, whatever the reason. */
  unsoldUnits: number | null;
  /** From the scenario start to the first 409 sold_out; null when it never sold out. */
  timeToSellOutMs: number | null;
  /** Asynchronous strategies: from the order's creation (the request) to its confirmation, per order. */
  confirmationDelayMs: Percentiles | null;
  /** Asynchronous strategies: how long teardown waited for pending orders to settle. */
  settleMs: number | null;
  pendingUnitsLeft: number | null;
  auditConsistent: boolean;
  /** Every k6 threshold held (oversold 0 except naive; no unexpected answers). */
  thresholdsOk: boolean;
  k6ExitCode: number;
  /** k6 web dashboard export, relative to the report folder; null when it was not written. */
  dashboard: string | null;
  ratios: {
    /** throughput ÷ ceilings.http.throughput */
    throughputToHttpCeiling: number | null;
    /** confirmedPerSecond ÷ the ceiling of `store` (operations per second) */
    confirmedToStoreCeiling: number | null;
    /** latency p50 ÷ the no-op route's p50 under the same open load */
    p50ToHttpFloor: number | null;
  };
}

export interface HttpCeiling {
  /** Requests/s a no-op Fastify route sustains with k6 as fast as it can go (closed loop). */
  throughput: number;
  latencyMs: Percentiles;
  /** VUs of the closed-loop run. */
  vus: number;
  durationMs: number;
  /** The same open-rate load as the strategies, against the no-op route: the latency floor. */
  atRate: { rate: number; throughput: number; latencyMs: Percentiles; droppedIterations: number };
  dashboard: string | null;
}

export interface RedisCeiling {
  /** EVALSHA of the project's deduct-stock Lua script on one key, per second. */
  opsPerSecond: number;
  latencyMs: Percentiles;
  clients: number;
  requests: number;
  command: string;
}

export interface PostgresCeiling {
  /** Transactions/s of the conditional UPDATE on one hot row. */
  tps: number;
  latencyAvgMs: number;
  clients: number;
  durationMs: number;
  command: string;
}

export interface Ceilings {
  http: HttpCeiling | null;
  redis: RedisCeiling | null;
  postgres: PostgresCeiling | null;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  k6: string;
  postgres: string;
  redis: string;
  kafka: string;
}

export interface RunSettings {
  stock: number;
  rate: number;
  /** Upper bound of each arrival window. */
  durationMs: number;
  /** Each strategy's arrival window: stock × demandFactor ÷ rate seconds, at most durationMs. */
  windowMs: number;
  /** Purchases each strategy was offered: rate × window. */
  purchases: number;
  demandFactor: number;
  quick: boolean;
  strategies: string[];
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface Report {
  schemaVersion: 1;
  /** ISO time the run started. */
  startedAt: string;
  finishedAt: string;
  /** The command line, as typed. */
  command: string;
  machine: Machine;
  settings: RunSettings;
  ceilings: Ceilings;
  strategies: StrategyResult[];
  /** The checks CI relies on: no safe strategy oversold, naive did, the report is complete. */
  checks: Check[];
}
