// What the k6 scripts write at SUMMARY_PATH and the compare runner reads,
// declared once: k6's digest functions are annotated with these types (a
// type-only import, erased when k6 loads the script), and the runner reads
// the JSON as them. The figures report.json carries on unchanged (percentiles,
// outcome counts, the spike's audit) are declared here too: report-types.ts
// imports from this file, never the other way.
import type { SeriesCounts } from '../k6/series-plan.js';

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

/** What the spike's audit said once the SKU settled: in k6's digest and in report.json alike. */
export interface SpikeAudit {
  confirmedUnits: number | null;
  /** max(0, confirmed − stock), from the audit. */
  oversoldUnits: number | null;
  /** stock − confirmed when some buyer was turned away for a reason other than sold out, else 0. */
  undersoldUnits: number | null;
  /** stock − confirmed after settling, whatever the reason. */
  unsoldUnits: number | null;
  pendingUnitsLeft: number | null;
  auditConsistent: boolean;
}

/** k6's trend of one group of answers: the report's percentiles, plus the mean and p90. */
export interface LatencySummary extends Percentiles {
  avg: number | null;
  p90: number | null;
}

/** A capacity phase (load-tests/k6/capacity-summary.ts). */
export interface CapacityDigest {
  strategy: string;
  mode: 'selling' | 'refusing';
  async: boolean;
  sku: string | null;
  vus: number;
  durationMs: number;
  answered: number;
  outcomes: OutcomeCounts;
  /** The phase's own answers per second: sales (201 or 202) selling, 409s refusing. */
  perSecond: number;
  answersPerSecond: number;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  drainPerSecond: number | null;
  drainAfterMs: number | null;
  oversoldUnits: number | null;
  pendingUnitsLeft: number | null;
  thresholdsOk: boolean;
}

/** The flash sale's settings as planned (the plan may cap the purchases). */
export interface SpikeSettings {
  stock: number;
  rate: number;
  durationCapMs: number;
  windowMs: number;
  demandFactor: number;
  targetPurchases: number;
  plannedPurchases: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

/** The flash-sale spike (load-tests/k6/summary.ts). */
export interface SpikeDigest extends SpikeAudit {
  strategy: string;
  async: boolean | null;
  sku: string | null;
  settings: SpikeSettings;
  purchases: number;
  lastAnswerMs: number;
  /** Purchases answered per second, from the scenario start to the last answer (at least the arrival window). */
  throughput: number;
  /** Units confirmed (audit) per second until the first sold_out answer, or over the window. */
  confirmedPerSecond: number;
  outcomes: OutcomeCounts;
  latencyMs: Record<'all' | 'confirmed' | 'pending' | 'soldOut' | 'contended' | 'error', LatencySummary>;
  droppedIterations: number;
  /** Buyers turned away for a reason other than sold out (503s, errors), as k6 counted them. */
  turnedAway: number;
  timeToSoldOutMs: number | null;
  settleMs: number | null;
  drainAfterMs: number | null;
  confirmationDelayMs: Percentiles | null;
  series: SeriesCounts;
  testRunDurationMs: number;
  thresholds: Record<string, Record<string, boolean>>;
  thresholdsOk: boolean;
}

/** The reservation scenario (load-tests/k6/reservations.ts): holds, payments and lapses on one SKU. */
export interface ReservationDigest {
  stock: number;
  holdSeconds: number;
  payShare: number;
  rate: number;
  windowMs: number;
  buyers: number;
  /** Answers 201 reserved: holds taken, the first and every resale. */
  held: number;
  /** Confirms answered 200: holds paid. */
  paid: number;
  /** Buyers who meant to pay, but their confirm came after the hold ended (409 hold_expired). */
  paidTooLate: number;
  /** Holders who never paid: their holds lapse. */
  walkedAway: number;
  /** 409 sold_out: every unit was held or sold when they came. */
  refused: number;
  /** Any other answer (503, errors): turned away for a reason other than stock. */
  turnedAway: number;
  /** From the audit once every hold ended: units in holds that expired (or were cancelled). */
  expiredUnits: number | null;
  /** Units held again after a hold on them lapsed: every hold beyond the stock, max(0, held − stock). */
  resoldUnits: number | null;
  confirmedUnits: number | null;
  /** Stock left when the run ended: holds that lapsed after the last buyer came. */
  unsoldUnits: number | null;
  /** Holds still live when the run stopped waiting (should be 0). */
  reservedUnitsLeft: number | null;
  oversoldUnits: number | null;
  consistent: boolean | null;
  holdP95Ms: number | null;
  confirmP95Ms: number | null;
}

/** Milliseconds at three points of a distribution; null when nothing was measured. */
export interface SpreadMs {
  p50: number | null;
  p95: number | null;
  max: number | null;
}

/**
 * The waiting-room scenario (load-tests/k6/waiting-room.ts), one mode: the
 * same buyers (STOCK × DEMAND_FACTOR arriving within ARRIVAL_MS) through the
 * SKU's waiting room (room), or straight at the purchase route, retrying a
 * 503 like a browser (direct).
 */
export interface WaitingRoomDigest {
  mode: 'room' | 'direct';
  strategy: string;
  stock: number;
  buyers: number;
  arrivalMs: number;
  /** Buyers the line let in (room), or every buyer (direct: nothing stands in front). */
  admitted: number;
  /** admitted ÷ the span from the first admission to the last; null with fewer than two. */
  admittedPerSecond: number | null;
  bought: number;
  /** Final answers saying sold out: a 409 sold_out, or the line's sold_out state. */
  soldOut: number;
  /** Admissions that lapsed unused, and buyers with no final answer by the buyer's bound. */
  expired: number;
  gaveUp: number;
  /** Answers the scenario does not expect (4xx other than sold out, 5xx other than 503, transport errors). */
  errors: number;
  /** Each buyer's arrival to its final answer. */
  finalMs: SpreadMs;
  /** Purchase requests of admitted buyers (every purchase request, direct). */
  purchaseMs: SpreadMs;
  /** Arrival to learning sold out, for buyers who got nothing. */
  soldOutLearnedMs: SpreadMs;
  /** 503 answers to purchases, and purchases sent again after one. */
  purchase503: number;
  retries: number;
  /** Line requests (joins and polls), and those answered 503. */
  lineRequests: number;
  line503: number;
  /** From the audit once the run ended. */
  confirmedUnits: number | null;
  oversoldUnits: number | null;
}

/** One mode of the waiting-room phase as the report keeps it: `digest` null with `failure` when its k6 run gave none. */
export type WaitingRoomRun = { digest: WaitingRoomDigest | null; failure: string | null };
