// The shape of report.json, written by `npm run compare` and read by the
// markdown and HTML renderers, the CI checks and outside tools (CI gates,
// regression plots): load-tests/README.md documents it. Times are
// milliseconds, rates per second; a figure that could not be measured is
// null, never 0. With --repeat N every figure is the median of the N runs and
// `range` holds its minimum and maximum under the same field name; units
// oversold or left pending and unexpected answers take the worst run instead.
import type { SeriesCounts } from '../k6/series-plan.js';
import type { OutcomeCounts, Percentiles, ReservationDigest, SpikeAudit, WaitingRoomRun } from './digests.js';

// Declared with the digests, whose figures report.json carries on; part of report.json's shape all the same.
export type { OutcomeCounts, Percentiles, SpikeAudit };

/** Which store's ceiling bounds a strategy's sales per second. */
export type StoreName = 'redis' | 'postgres';

/** [min, max] of one figure over the repeats; the figure itself is their median. */
export type Range = [number, number];

/**
 * Min–max per numeric field of the object it sits in, by name (`perSecond`)
 * or dotted path for nested ones (`latencyMs.p95`, `outcomes.contended`);
 * absent for a figure that was null in some run. Ratios have none.
 */
export type Ranges = Record<string, Range>;

export interface Ratios {
  /** perSecond ÷ the closed-loop HTTP no-op ceiling (same VUs): the one measured just before this strategy's phases (StrategyResult.httpCeilingNearby), else the run's. */
  toHttpCeiling: number | null;
  /** perSecond ÷ the single-key ceiling of the store the strategy deducts in. */
  toStoreCeiling: number | null;
  /** perSecond ÷ the same phase's figure of the fastest safe strategy of this run (1 for that one). */
  toFastestSafe: number | null;
}

/**
 * One closed-loop phase (k6 constant-vus): `vus` buyers each send a purchase,
 * wait for its answer and send the next, for `durationMs`.
 */
export interface ClosedLoopResult {
  vus: number;
  durationMs: number;
  /**
   * What the phase measures, per second: sales when selling (201, or 202
   * accepted for an asynchronous strategy: its front door), refusals (409
   * sold_out) when refusing.
   */
  perSecond: number;
  /** Every answer per second, whatever its outcome. */
  answersPerSecond: number;
  /** Latency of every answer of the phase. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  outcomes: OutcomeCounts;
  ratios: Ratios;
  range: Ranges;
}

/** Selling capacity: closed loop on a SKU whose stock cannot run out during the phase. */
export interface SellingCapacity extends ClosedLoopResult {
  /**
   * Asynchronous strategies: units the worker confirmed per second, from the
   * orders' timestamps (first to last confirmation of the phase's orders);
   * null for synchronous strategies, whose sales are confirmed in the answer.
   */
  drainPerSecond: number | null;
  /** drainPerSecond ÷ the PostgreSQL hot-row ceiling (where the worker applies). */
  drainToStoreCeiling: number | null;
  /** Asynchronous strategies: from the end of the phase until the last accepted purchase was confirmed or rejected. */
  drainAfterMs: number | null;
}

/** One point of the contention curve: selling closed loop at `vus` buyers on one hot SKU. */
export interface CurvePoint {
  vus: number;
  /** Sales per second (201, or 202 for an asynchronous strategy). */
  perSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  /** 503 answers: the strategy gave up (lock wait, retries) at this concurrency. */
  contended: number;
  /** perSecond ÷ the single-key ceiling of the strategy's store: how close this concurrency gets to its store alone. */
  toStoreCeiling: number | null;
  range: Ranges;
}

/**
 * Answers per time bucket over the spike (k6/series-plan.ts SeriesCounts), of
 * one real round, with that round's own sell-out and drain moments so the
 * chart's markers belong to the bars they are drawn over.
 */
export interface SpikeSeries extends SeriesCounts {
  /** This round's time to the first sold-out answer; null when it never sold out. */
  timeToSellOutMs: number | null;
  /** This round's drain: last confirmation after the window's end (negative: before it); null when not asynchronous. */
  drainAfterMs: number | null;
}

/**
 * How a strategy took the spike, in order of precedence:
 * `fell behind`: k6 dropped arrivals or p95 passed the limit (buyers waited);
 * `shed`: it answered 503 to some buyers;
 * `queued`: an asynchronous strategy accepted everything but confirmed later than the limit;
 * `kept up`: none of these.
 */
export type SpikeVerdict = 'kept up' | 'queued' | 'shed' | 'fell behind';

/** The flash sale: open model (k6 constant-arrival-rate) at the spike rate, demand ≥ 10× stock. */
export interface SpikeResult extends SpikeAudit {
  /** Purchases answered per second, from the scenario start to the last answer (at least the window). */
  perSecond: number;
  /** Units confirmed (audit, after settling) per second until the first sold-out answer, or over the window. */
  confirmedPerSecond: number;
  purchases: number;
  outcomes: OutcomeCounts;
  droppedIterations: number;
  latencyMs: Percentiles;
  latencyByOutcomeMs: Record<keyof OutcomeCounts, Percentiles>;
  stock: number;
  /** From the scenario start to the first 409 sold_out; null when it never sold out. */
  timeToSellOutMs: number | null;
  /** Asynchronous strategies: request to confirmation per order (PostgreSQL timestamps). */
  confirmationDelayMs: Percentiles | null;
  /** Asynchronous strategies: from the end of the arrival window until nothing was pending. */
  drainAfterMs: number | null;
  verdict: SpikeVerdict;
  /** Every k6 threshold held (oversold 0 except naive; no unexpected answers). */
  thresholdsOk: boolean;
  k6ExitCode: number;
  /** k6 web dashboard export, relative to the report folder; null when it was not written. */
  dashboard: string | null;
  /** Of the run whose time to sell out is the median (a real run, not a blend of runs). */
  series: SpikeSeries;
  ratios: {
    /** perSecond ÷ the HTTP no-op route at the same open rate */
    toHttpAtRate: number | null;
    /** confirmedPerSecond ÷ the ceiling of the strategy's store */
    confirmedToStoreCeiling: number | null;
    /** latency p50 ÷ the no-op route's p50 at the same open rate */
    p50ToHttpFloor: number | null;
  };
  range: Ranges;
}

/**
 * What one answer of a capacity phase cost each part of the system (cost.ts):
 * medians over the runs, for the whole k6 run of the phase (its setup and
 * settling included, a few requests beside thousands).
 */
export interface CostFigures {
  answers: number;
  /** CPU ms per answer of each part's processes: every API and worker process, every PostgreSQL backend, every Redis, Kafka, etcd, and k6 (the buyers). */
  cpuMsPerAnswer: Record<'api' | 'worker' | 'postgres' | 'redis' | 'kafka' | 'etcd' | 'k6', number>;
  /** The main Redis's share of cpuMsPerAnswer.redis: the shard a hot SKU's keys live on. */
  mainRedisCpuMsPerAnswer: number;
  /** INFO commandstats calls, every Redis. */
  redisCommandsPerAnswer: number;
  /**
   * The same, less what the stack's background loops send when nobody buys
   * (measured once per run, idleCommandsPerSecond, times the phase's length):
   * the commands the answers themselves cost. Null when the idle rate was not measured.
   */
  redisCommandsNetPerAnswer: number | null;
  /** PostgreSQL write transactions per answer (transaction ids assigned; each commits or aborts once). */
  pgCommitsPerAnswer: number;
  walBytesPerAnswer: number;
  /** Updates of the SKU's row per answer (skus.version): each holds the hot row's lock to its commit. */
  hotRowUpdatesPerAnswer: number | null;
  /** Sales (201, or 202 for an asynchronous strategy) per answer: the rest were 503s (or 409s when refusing). The projection divides by it to cost a sale. */
  salesPerAnswer: number;
}

/** A projection, not a measurement: load-tests/README.md gives the formula (projection.ts). */
export interface ProjectionPoint {
  cores: number;
  perSecond: number;
  boundBy: 'cpu' | 'redis-shard' | 'postgres-row-lock' | 'partition-consumer' | 'lock-critical-section';
}

export interface StrategyResult {
  strategy: string;
  /** true when the strategy answers 202 and a worker confirms later (kafka-queue). */
  async: boolean;
  /** false for the unsafe baseline, which is meant to oversell. */
  safe: boolean;
  /** The store the strategy's deduction runs in, whose ceiling `toStoreCeiling` uses. */
  store: StoreName;
  /** How many buyers one decision in that store covers: a sale, a batch (group commit) or a lease (StrategyFacts.decidesPer). */
  decidesPer: 'sale' | 'batch' | 'lease';
  capacity: { selling: SellingCapacity | null; refusing: ClosedLoopResult | null };
  /** Selling capacity at each of settings.curve.vus, in that order; missing points were not measured. */
  curve: CurvePoint[];
  spike: SpikeResult | null;
  /** Requests/s of the HTTP no-op route, closed loop at the capacity VUs, measured for a second or two just before this strategy's capacity phases (median over rounds): what its capacity ratios are taken against. */
  httpCeilingNearby: number | null;
  /** Cost per answer of the selling and refusing phases; null where the phase has no figures. */
  /** The spike's: a sale to its sell-out and the refusals after it (the probing near the end, for a split stock). */
  cost: { selling: CostFigures | null; refusing: CostFigures | null; spike: CostFigures | null };
  /** Sales/s on one hot SKU at 2, 8 and 32 cores: a projection from `cost` and the curve (empty when selling was not measured). */
  projection: ProjectionPoint[];
  /** How many runs contributed (settings.repeat unless one failed). */
  runs: number;
}

export interface HttpCeiling {
  /** Requests/s a no-op Fastify route sustains with k6 as fast as it can go (closed loop). */
  throughput: number;
  latencyMs: Percentiles;
  /** VUs of the closed-loop run: the capacity phases' VUs. */
  vus: number;
  durationMs: number;
  /** The spike's open rate against the no-op route: the latency floor. */
  atRate: { rate: number; throughput: number; latencyMs: Percentiles; droppedIterations: number };
  dashboard: string | null;
  range: Ranges;
}

/**
 * The HTTP ceiling's closed loop on the route that first writes one order
 * row, in group commits, and nothing else (load-tests/ceilings/order-rows.ts):
 * the most a strategy that records its sale in PostgreSQL before the 201 can
 * sell here. Measured last in a round (after pgbench).
 */
export interface OrderRowCeiling {
  throughput: number;
  latencyMs: Percentiles;
  vus: number;
  durationMs: number;
  range: Ranges;
}

export interface RedisCeiling {
  /** EVALSHA of the project's deduct-stock Lua script on one key, per second. */
  opsPerSecond: number;
  latencyMs: Percentiles;
  clients: number;
  requests: number;
  command: string;
  range: Ranges;
}

export interface PostgresCeiling {
  /** Transactions/s of the conditional UPDATE on one hot row. */
  tps: number;
  latencyAvgMs: number;
  clients: number;
  durationMs: number;
  command: string;
  range: Ranges;
}

export interface Ceilings {
  http: HttpCeiling | null;
  orderRow: OrderRowCeiling | null;
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
  /** Every phase and ceiling ran this many times; figures are medians. */
  repeat: number;
  quick: boolean;
  strategies: string[];
  /**
   * Selling and refusing capacity: closed loop at `vus` (the HTTP ceiling's VUs) for `durationMs`.
   * `asyncWorker`: during an asynchronous strategy's selling phase the worker was `paused` (SIGSTOP,
   * resumed when the phase's load ended: the front door alone, then the drain from the backlog it
   * left) or `running` beside the front door (a worker this run did not start is not stopped).
   */
  capacity: { vus: number; durationMs: number; asyncWorker: 'paused' | 'running' };
  /** Contention curve: selling closed loop at each of `vus`, `durationMs` each. */
  curve: { vus: number[]; durationMs: number };
  /** Per-user limit of every SKU of the run (counted, never reached); null: unlimited, as by default. */
  maxPerUser: number | null;
  spike: {
    stock: number;
    /** Purchases started per second (open model). */
    rate: number;
    /** How the rate was chosen: given with --rate, or derived from the selling capacities. */
    rateSource: 'option' | 'derived';
    /** One sentence on how the rate was derived (or that it was given). */
    rateReason: string;
    demandFactor: number;
    /** The arrival window: stock × demandFactor ÷ rate, at most durationMs. */
    windowMs: number;
    /** Upper bound of the window. */
    durationMs: number;
    /** Purchases offered: rate × window. */
    purchases: number;
    /** p95 above which a strategy counts as not keeping up (see SpikeVerdict). */
    keptUpP95Ms: number;
  };
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** A figure an issue set as a goal, and whether this run reached it: reported, never a check (targets.ts). */
export interface Target {
  name: string;
  /** The issue that set it. */
  issue: number;
  /** null when the run lacks a figure it needs. */
  met: boolean | null;
  detail: string;
}

/**
 * --processes: selling and refusing capacity (answers/s) and the API's CPU
 * per selling answer at each API process count, in `counts` order (the first
 * from the main measurement, the others from the capacity phases repeated).
 */
export interface ProcessesResult {
  counts: number[];
  strategies: Array<{ strategy: string; selling: Array<number | null>; refusing: Array<number | null>; apiCpuMsPerAnswer: Array<number | null> }>;
}

export interface Report {
  schemaVersion: 2;
  /** ISO time the run started. */
  startedAt: string;
  finishedAt: string;
  /** The command line, as typed. */
  command: string;
  machine: Machine;
  settings: RunSettings;
  ceilings: Ceilings;
  strategies: StrategyResult[];
  /**
   * The reservation scenario (strategy reserve: buyers hold, some pay, the
   * rest let holds lapse), run once; null when reserve was not among the
   * strategies. `digest` null with `failure` when its k6 run gave none.
   */
  reservations: { digest: ReservationDigest | null; failure: string | null } | null;
  /**
   * The waiting-room scenario (10x the stock within 2 s, through the SKU's
   * waiting room and straight at the purchase route), run once with the
   * safe synchronous strategy that sold slowest in round 1 (where a crowd
   * is likeliest to make it shed); null when no such strategy was in the run.
   */
  waitingRoom: { strategy: string; room: WaitingRoomRun; direct: WaitingRoomRun } | null;
  /** Capacity at each API process count of --processes; null without it. */
  processes: ProcessesResult | null;
  /** The checks CI relies on: no safe strategy oversold, naive's lost updates caught, the report is complete, the spike separated them. */
  checks: Check[];
  /** The goals the issues set, as this run measured them; not checks (one noisy run is a reading, not a verdict). */
  targets: Target[];
}
