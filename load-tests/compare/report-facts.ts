// The run's context and its ceilings as plain text, built once for the
// markdown and the HTML page (the strategies' tables are report-table.ts).
import { count, ms, NONE, ranged, rate, seconds } from './report-format.js';
import type { Ceilings, Range, Ranges, Report } from './report-types.js';

export interface CeilingRow {
  name: string;
  /** `9,850 (9,600–9,910) req/s`, or `not measured`. */
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

/** The single-operation ceilings the strategies are measured against (HTTP gives two rows, then the order-row route). */
export function ceilingRows(ceilings: Ceilings, repeat: number): CeilingRow[] {
  // With one run there is no spread to show: min = max = the figure.
  const range = (ranges: Ranges, key: string): Range | undefined => (repeat > 1 ? ranges[key] : undefined);
  const rows: CeilingRow[] = [];
  const { http, orderRow, redis, postgres } = ceilings;
  if (http === null) rows.push(notMeasured('HTTP no-op route'));
  else {
    rows.push({
      name: 'HTTP no-op route, closed loop',
      figure: `${ranged(http.throughput, range(http.range, 'throughput'), rate)} req/s`,
      p50: ranged(http.latencyMs.p50, range(http.range, 'latencyMs.p50'), ms),
      p95: ranged(http.latencyMs.p95, range(http.range, 'latencyMs.p95'), ms),
      notes: `k6, ${count(http.vus)} VUs for ${seconds(http.durationMs)}, as fast as it goes: the capacity phases' VUs`,
      command: null,
      dashboard: null,
    });
    rows.push({
      name: `HTTP no-op route at ${rate(http.atRate.rate)}/s`,
      figure: `${ranged(http.atRate.throughput, range(http.range, 'atRate.throughput'), rate)} req/s`,
      p50: ranged(http.atRate.latencyMs.p50, range(http.range, 'atRate.latencyMs.p50'), ms),
      p95: ranged(http.atRate.latencyMs.p95, range(http.range, 'atRate.latencyMs.p95'), ms),
      notes: `the spike's open rate: the latency floor; ${count(http.atRate.droppedIterations)} dropped`,
      command: null,
      // The dashboard export is of this run: the closed loop has none.
      dashboard: http.dashboard,
    });
  }
  if (orderRow === null) rows.push(notMeasured('HTTP route + one order row'));
  else {
    const share = http === null || http.throughput <= 0 ? '' : ` (${(orderRow.throughput / http.throughput).toFixed(2)}× the no-op route)`;
    rows.push({
      name: 'HTTP route + one order row, closed loop',
      figure: `${ranged(orderRow.throughput, range(orderRow.range, 'throughput'), rate)} req/s${share}`,
      p50: ranged(orderRow.latencyMs.p50, range(orderRow.range, 'latencyMs.p50'), ms),
      p95: ranged(orderRow.latencyMs.p95, range(orderRow.range, 'latencyMs.p95'), ms),
      notes: `the no-op route's loop (${count(orderRow.vus)} VUs for ${seconds(orderRow.durationMs)}), each request first writing one order row naming its unit, in group commits (load-tests/ceilings/order-rows.ts), last in its round: the most a strategy that records its sale before its answer can sell here`,
      command: null,
      dashboard: null,
    });
  }
  if (redis === null) rows.push(notMeasured('Redis Lua deduct, one key'));
  else {
    rows.push({
      name: 'Redis Lua deduct, one key',
      figure: `${ranged(redis.opsPerSecond, range(redis.range, 'opsPerSecond'), rate)} ops/s`,
      p50: ranged(redis.latencyMs.p50, range(redis.range, 'latencyMs.p50'), ms),
      p95: ranged(redis.latencyMs.p95, range(redis.range, 'latencyMs.p95'), ms),
      notes: `EVALSHA, ${count(redis.clients)} clients, ${count(redis.requests)} requests`,
      command: redis.command,
      dashboard: null,
    });
  }
  if (postgres === null) rows.push(notMeasured('PostgreSQL hot-row UPDATE'));
  else {
    rows.push({
      name: 'PostgreSQL hot-row UPDATE',
      figure: `${ranged(postgres.tps, range(postgres.range, 'tps'), rate)} tps`,
      p50: NONE,
      p95: NONE,
      notes: `mean ${ranged(postgres.latencyAvgMs, range(postgres.range, 'latencyAvgMs'), ms)} ms, ${count(postgres.clients)} clients for ${seconds(postgres.durationMs)}`,
      command: postgres.command,
      dashboard: null,
    });
  }
  return rows;
}

/** `1, 8, 32 and 128`. */
function listed(values: number[]): string {
  const texts = values.map(count);
  return texts.length <= 1 ? (texts[0] ?? NONE) : `${texts.slice(0, -1).join(', ')} and ${texts.at(-1) ?? ''}`;
}

/** Data from the run written into prose: one line, whatever it holds. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

export interface Phase {
  label: string;
  text: string;
}

/** The run's context: the machine, the versions, and one sentence per phase. */
export function runFacts(report: Report): { machine: string; versions: string; phases: Phase[] } {
  const { machine: m, settings: s } = report;
  const { spike } = s;
  const rateHow = spike.rateSource === 'option' ? 'given with --rate' : 'derived';
  return {
    machine: `${count(m.cpus)} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.cpuModel}`,
    versions: `${m.os}; Node ${m.node}, k6 ${m.k6}, PostgreSQL ${m.postgres}, Redis ${m.redis}, Kafka ${m.kafka}`,
    phases: [
      {
        label: 'Capacity',
        text:
          `closed loop (k6 constant-vus), ${count(s.capacity.vus)} VUs for ${seconds(s.capacity.durationMs)} per phase: ` +
          'selling on stock that cannot run out, refusing on a sold-out SKU',
      },
      {
        label: 'Contention curve',
        text: `selling, closed loop on one hot SKU at ${listed(s.curve.vus)} VUs, ${seconds(s.curve.durationMs)} each`,
      },
      {
        label: 'Spike',
        text:
          `open model (k6 constant-arrival-rate), ${rate(spike.rate)} purchases/s for ${seconds(spike.windowMs)}: ` +
          `${count(spike.purchases)} purchases for ${count(spike.stock)} units (demand ${spike.demandFactor}× stock, window capped at ${seconds(spike.durationMs)}); ` +
          `rate ${rateHow}: ${oneLine(spike.rateReason)}`,
      },
      {
        label: 'Runs',
        text:
          s.repeat > 1
            ? `every phase and ceiling ran ${count(s.repeat)} times; figures are medians, min–max in brackets${s.quick ? '; quick run' : ''}`
            : `every phase and ceiling ran once${s.quick ? '; quick run' : ''}`,
      },
      ...(s.maxPerUser === null
        ? []
        : [{ label: 'Per-user limit', text: `every SKU created with maxPerUser ${count(s.maxPerUser)}; each purchase is a new buyer, so the limit is counted on every order and never reached` }]),
    ],
  };
}
