// The tables of the report as plain text cells, built once so the markdown
// (terminal, README) and the HTML page can never disagree on a figure.
import { count, ms, NONE, rate, rateWithRatio, seconds } from './report-format.js';
import type { Ceilings, Report, StoreName, StrategyResult } from './report-types.js';

export interface Column {
  header: string;
  /** A sentence for the HTML header's tooltip and the legend under the table. */
  meaning: string;
  numeric: boolean;
  cell: (result: StrategyResult) => string;
}

export const storeLabel: Record<StoreName, string> = { redis: 'Redis', postgres: 'PostgreSQL' };

export const strategyColumns: readonly Column[] = [
  { header: 'strategy', meaning: 'the stock-deduction strategy', numeric: false, cell: (r) => r.strategy },
  {
    header: 'deducts in',
    meaning: 'the store whose ceiling bounds confirmed/s; async: answers 202 and a worker confirms later',
    numeric: false,
    cell: (r) => `${storeLabel[r.store]}${r.async ? ' (async)' : ''}`,
  },
  {
    header: 'req/s (× HTTP)',
    meaning: 'purchases answered per second, and its ratio to the no-op HTTP ceiling',
    numeric: true,
    cell: (r) => rateWithRatio(r.throughput, r.ratios.throughputToHttpCeiling),
  },
  {
    header: 'confirmed/s (× store)',
    meaning: "units confirmed per second until sold out, and its ratio to the store's single-key ceiling",
    numeric: true,
    cell: (r) => rateWithRatio(r.confirmedPerSecond, r.ratios.confirmedToStoreCeiling),
  },
  { header: 'p50 ms', meaning: 'median latency of every purchase', numeric: true, cell: (r) => ms(r.latencyMs.p50) },
  { header: 'p95 ms', meaning: '95th percentile latency', numeric: true, cell: (r) => ms(r.latencyMs.p95) },
  { header: 'p99 ms', meaning: '99th percentile latency', numeric: true, cell: (r) => ms(r.latencyMs.p99) },
  { header: 'confirmed', meaning: '201 answers', numeric: true, cell: (r) => count(r.outcomes.confirmed) },
  { header: 'pending', meaning: '202 answers (async strategies)', numeric: true, cell: (r) => count(r.outcomes.pending) },
  { header: 'sold out', meaning: '409 sold_out answers', numeric: true, cell: (r) => count(r.outcomes.soldOut) },
  { header: '503', meaning: 'could not decide in time, or a store was down', numeric: true, cell: (r) => count(r.outcomes.contended) },
  { header: 'error', meaning: 'any other answer, timeouts included', numeric: true, cell: (r) => count(r.outcomes.error) },
  {
    header: 'dropped',
    meaning: 'arrivals k6 skipped because every VU was busy (offered load not fully applied)',
    numeric: true,
    cell: (r) => count(r.droppedIterations),
  },
  { header: 'oversold', meaning: 'units confirmed beyond the stock (audit)', numeric: true, cell: (r) => count(r.oversoldUnits) },
  {
    header: 'undersold',
    meaning: 'stock left unsold while buyers were turned away for a reason other than sold out',
    numeric: true,
    cell: (r) => count(r.undersoldUnits),
  },
  {
    header: 'sold out at ms',
    meaning: 'from the scenario start to the first 409 sold_out; – when it never sold out',
    numeric: true,
    cell: (r) => ms(r.timeToSellOutMs),
  },
  {
    header: 'confirm p95 ms',
    meaning: 'async strategies: 95th percentile from the request to the confirmation',
    numeric: true,
    cell: (r) => ms(r.confirmationDelayMs?.p95),
  },
];

export interface CeilingRow {
  name: string;
  /** `9,850 req/s`, or `not measured`. */
  figure: string;
  p50: string;
  p95: string;
  /** Plain text: what was measured and how. */
  notes: string;
  /** The exact command, shown as code. */
  command: string | null;
  dashboard: string | null;
}

const notMeasured = (name: string): CeilingRow => ({
  name,
  figure: 'not measured',
  p50: NONE,
  p95: NONE,
  notes: NONE,
  command: null,
  dashboard: null,
});

/** The three single-operation ceilings the strategies are measured against (HTTP gives two rows). */
export function ceilingRows(ceilings: Ceilings): CeilingRow[] {
  const rows: CeilingRow[] = [];
  const { http, redis, postgres } = ceilings;
  if (http === null) rows.push(notMeasured('HTTP no-op route'));
  else {
    rows.push({
      name: 'HTTP no-op route, closed loop',
      figure: `${rate(http.throughput)} req/s`,
      p50: ms(http.latencyMs.p50),
      p95: ms(http.latencyMs.p95),
      notes: `k6, ${count(http.vus)} VUs for ${seconds(http.durationMs)}, as fast as it goes`,
      command: null,
      dashboard: null,
    });
    rows.push({
      name: `HTTP no-op route at ${rate(http.atRate.rate)}/s`,
      figure: `${rate(http.atRate.throughput)} req/s`,
      p50: ms(http.atRate.latencyMs.p50),
      p95: ms(http.atRate.latencyMs.p95),
      notes: `the strategies' open rate: the latency floor; ${count(http.atRate.droppedIterations)} dropped`,
      command: null,
      // The dashboard export is of this run: the closed loop has none.
      dashboard: http.dashboard,
    });
  }
  if (redis === null) rows.push(notMeasured('Redis Lua deduct, one key'));
  else {
    rows.push({
      name: 'Redis Lua deduct, one key',
      figure: `${rate(redis.opsPerSecond)} ops/s`,
      p50: ms(redis.latencyMs.p50),
      p95: ms(redis.latencyMs.p95),
      notes: `EVALSHA, ${count(redis.clients)} clients, ${count(redis.requests)} requests`,
      command: redis.command,
      dashboard: null,
    });
  }
  if (postgres === null) rows.push(notMeasured('PostgreSQL hot-row UPDATE'));
  else {
    rows.push({
      name: 'PostgreSQL hot-row UPDATE',
      figure: `${rate(postgres.tps)} tps`,
      p50: NONE,
      p95: NONE,
      notes: `mean ${ms(postgres.latencyAvgMs)} ms, ${count(postgres.clients)} clients for ${seconds(postgres.durationMs)}`,
      command: postgres.command,
      dashboard: null,
    });
  }
  return rows;
}

/** The run's context in three plain sentences: the machine, the versions, the load. */
export function runFacts(report: Report): { machine: string; versions: string; settings: string } {
  const { machine: m, settings: s } = report;
  return {
    machine: `${count(m.cpus)} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.cpuModel}`,
    versions: `${m.os}; Node ${m.node}, k6 ${m.k6}, PostgreSQL ${m.postgres}, Redis ${m.redis}, Kafka ${m.kafka}`,
    settings:
      `Stock ${count(s.stock)} units, ${count(s.purchases)} purchases arriving at ${rate(s.rate)}/s over ${seconds(s.windowMs)} ` +
      `(demand ${s.demandFactor}× stock, window capped at ${seconds(s.durationMs)})${s.quick ? ', quick run' : ''}`,
  };
}
