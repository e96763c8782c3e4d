// A realistic report.json for the renderer tests: nine strategies on a 2-core
// machine, figures shaped like a real run (naive oversells, redlock saturates
// and never sells out, kafka-queue answers 202 and confirms later).
import type { Ceilings, OutcomeCounts, Percentiles, Report, StoreName, StrategyResult } from '../../load-tests/compare/report-types.js';

const stock = 5_000;
const rate = 1_000;

const pct = (p50: number, p95: number, p99: number, count = 1): Percentiles => ({ count, p50, p95, p99, max: Math.round(p99 * 1.6 * 10) / 10 });

function ceilings(): Ceilings {
  return {
    http: {
      throughput: 9_850,
      latencyMs: pct(5.9, 11.8, 17.2, 98_500),
      vus: 64,
      durationMs: 10_000,
      atRate: { rate, throughput: 999.7, latencyMs: pct(0.8, 1.6, 3.1, 10_000), droppedIterations: 0 },
      dashboard: 'dashboards/http-ceiling.html',
    },
    redis: {
      opsPerSecond: 71_400,
      latencyMs: pct(0.4, 0.9, 1.3, 200_000),
      clients: 50,
      requests: 200_000,
      command: 'redis-benchmark -p 6380 -c 50 -n 200000 EVALSHA 3f1a9c 1 bench:stock 1',
    },
    postgres: {
      tps: 2_350,
      latencyAvgMs: 6.8,
      clients: 16,
      durationMs: 10_000,
      command: 'pgbench -n -c 16 -j 2 -T 10 -f hot-row-update.sql flash_sale',
    },
  };
}

interface Shape {
  strategy: string;
  store: StoreName;
  async?: boolean;
  throughput: number;
  confirmedPerSecond: number;
  latency: [number, number, number];
  outcomes: Partial<OutcomeCounts>;
  droppedIterations?: number;
  confirmedUnits: number;
  timeToSellOutMs: number | null;
  confirmationDelayMs?: Percentiles;
  settleMs?: number;
  dashboard?: string | null;
}

function result(shape: Shape, measured: Ceilings): StrategyResult {
  const outcomes: OutcomeCounts = { confirmed: 0, pending: 0, soldOut: 0, contended: 0, error: 0, ...shape.outcomes };
  const purchases = Object.values(outcomes).reduce((sum, n) => sum + n, 0);
  const [p50, p95, p99] = shape.latency;
  const storeCeiling = shape.store === 'redis' ? measured.redis?.opsPerSecond : measured.postgres?.tps;
  const turnedAway = outcomes.contended + outcomes.error > 0;
  const unsold = Math.max(0, stock - shape.confirmedUnits);
  const floor = measured.http?.atRate.latencyMs.p50 ?? null;
  const byOutcome = (n: number): Percentiles => (n === 0 ? { count: 0, p50: null, p95: null, p99: null, max: null } : pct(p50, p95, p99, n));
  return {
    strategy: shape.strategy,
    async: shape.async ?? false,
    store: shape.store,
    throughput: shape.throughput,
    confirmedPerSecond: shape.confirmedPerSecond,
    latencyMs: pct(p50, p95, p99, purchases),
    latencyByOutcomeMs: {
      confirmed: byOutcome(outcomes.confirmed),
      pending: byOutcome(outcomes.pending),
      soldOut: byOutcome(outcomes.soldOut),
      contended: byOutcome(outcomes.contended),
      error: byOutcome(outcomes.error),
    },
    outcomes,
    purchases,
    droppedIterations: shape.droppedIterations ?? 0,
    stock,
    confirmedUnits: shape.confirmedUnits,
    oversoldUnits: Math.max(0, shape.confirmedUnits - stock),
    undersoldUnits: turnedAway ? unsold : 0,
    unsoldUnits: unsold,
    timeToSellOutMs: shape.timeToSellOutMs,
    confirmationDelayMs: shape.confirmationDelayMs ?? null,
    settleMs: shape.settleMs ?? null,
    pendingUnitsLeft: shape.async === true ? 0 : null,
    auditConsistent: true,
    thresholdsOk: shape.droppedIterations === undefined,
    k6ExitCode: shape.droppedIterations === undefined ? 0 : 99,
    dashboard: shape.dashboard === undefined ? `dashboards/${shape.strategy}.html` : shape.dashboard,
    ratios: {
      throughputToHttpCeiling: measured.http === null ? null : shape.throughput / measured.http.throughput,
      confirmedToStoreCeiling: storeCeiling === undefined ? null : shape.confirmedPerSecond / storeCeiling,
      p50ToHttpFloor: floor === null ? null : p50 / floor,
    },
  };
}

const shapes: Shape[] = [
  // Read, check, write without a guard: two buyers read the same stock and both write.
  { strategy: 'naive', store: 'postgres', throughput: 998, confirmedPerSecond: 1_080, latency: [3.1, 9.8, 21.4], outcomes: { confirmed: 5_412, soldOut: 4_588 }, confirmedUnits: 5_412, timeToSellOutMs: 5_010 },
  { strategy: 'redis-lock', store: 'postgres', throughput: 957, confirmedPerSecond: 612, latency: [24.5, 310, 482], outcomes: { confirmed: 5_000, soldOut: 3_760, contended: 1_240 }, confirmedUnits: 5_000, timeToSellOutMs: 8_170 },
  // Three Redis round trips per lock: VUs pile up, k6 drops arrivals and the window closes first.
  { strategy: 'redlock', store: 'postgres', throughput: 612, confirmedPerSecond: 486, latency: [182, 1_450, 2_910], outcomes: { confirmed: 4_860, contended: 2_040 }, droppedIterations: 3_100, confirmedUnits: 4_860, timeToSellOutMs: null },
  { strategy: 'redis-lua', store: 'redis', throughput: 1_000, confirmedPerSecond: 999, latency: [0.9, 2.0, 4.2], outcomes: { confirmed: 5_000, soldOut: 5_000 }, confirmedUnits: 5_000, timeToSellOutMs: 5_004 },
  { strategy: 'pg-optimistic', store: 'postgres', throughput: 931, confirmedPerSecond: 890, latency: [12.2, 88.4, 241], outcomes: { confirmed: 5_000, soldOut: 4_690, contended: 310 }, confirmedUnits: 5_000, timeToSellOutMs: 5_620 },
  { strategy: 'pg-pessimistic', store: 'postgres', throughput: 942, confirmedPerSecond: 925, latency: [21.3, 140, 322], outcomes: { confirmed: 5_000, soldOut: 5_000 }, confirmedUnits: 5_000, timeToSellOutMs: 5_405 },
  { strategy: 'pg-atomic', store: 'postgres', throughput: 999, confirmedPerSecond: 996, latency: [2.4, 6.1, 11.5], outcomes: { confirmed: 5_000, soldOut: 5_000 }, confirmedUnits: 5_000, timeToSellOutMs: 5_012 },
  {
    strategy: 'kafka-queue',
    store: 'postgres',
    async: true,
    throughput: 1_000,
    confirmedPerSecond: 968,
    latency: [1.4, 3.3, 7.9],
    outcomes: { pending: 5_000, soldOut: 5_000 },
    confirmedUnits: 5_000,
    timeToSellOutMs: 5_031,
    confirmationDelayMs: pct(45.2, 182, 311, 5_000),
    settleMs: 1_900,
  },
  { strategy: 'outbox', store: 'postgres', throughput: 997, confirmedPerSecond: 990, latency: [3.6, 9.0, 17.1], outcomes: { confirmed: 5_000, soldOut: 5_000 }, confirmedUnits: 5_000, timeToSellOutMs: 5_030, dashboard: null },
];

export interface SampleOptions {
  /** Leave one ceiling out, as a run where it could not be measured. */
  missingCeiling?: keyof Ceilings;
  /** Rename a strategy (e.g. to one with markup in it, for the escaping tests). */
  renameStrategy?: { from: string; to: string };
  command?: string;
}

export function sampleReport(options: SampleOptions = {}): Report {
  const measured = ceilings();
  if (options.missingCeiling !== undefined) measured[options.missingCeiling] = null;
  const strategies = shapes.map((shape) =>
    result(shape.strategy === options.renameStrategy?.from ? { ...shape, strategy: options.renameStrategy.to } : shape, measured),
  );
  return {
    schemaVersion: 1,
    startedAt: '2025-06-01T14:03:12.000Z',
    finishedAt: '2025-06-01T14:09:24.000Z',
    command: options.command ?? 'npm run compare',
    machine: {
      cpus: 2,
      cpuModel: 'AMD EPYC 7B13',
      memoryGiB: 7.8,
      os: 'Linux 6.1.0-37-cloud-amd64 (Debian 12)',
      node: 'v24.21.0',
      k6: 'v1.8.1',
      postgres: '15.13',
      redis: '7.0.15',
      kafka: '4.0.0',
    },
    settings: { stock, rate, durationMs: 10_000, windowMs: Math.min(10_000, Math.ceil((stock * 2 * 1000) / rate)), purchases: Math.min(stock * 2, rate * 10), demandFactor: 2, quick: false, strategies: strategies.map((s) => s.strategy) },
    ceilings: measured,
    strategies,
    checks: [
      { name: 'no safe strategy oversold', ok: true, detail: 'oversold 0 for all eight safe strategies (audit)' },
      { name: 'naive oversold', ok: true, detail: 'naive confirmed 5,412 of 5,000 units: the test can see overselling' },
      { name: 'every order settled', ok: true, detail: 'kafka-queue: 0 pending units left after 1.9 s' },
      { name: 'offered load applied', ok: false, detail: 'redlock dropped 3,100 arrivals (every VU busy)' },
      { name: 'report complete', ok: true, detail: '9 strategies, 3 ceilings' },
    ],
  };
}
