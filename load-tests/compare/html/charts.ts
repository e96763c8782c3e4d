// The report's charts: which figures, on which scale, against which reference
// line. Drawing is bar-chart.ts; this file only decides what to show.
import { count, ms, rate, ratio, seconds } from '../report-format.js';
import { storeLabel } from '../report-table.js';
import type { Report, StrategyResult } from '../report-types.js';
import type { BarChart, Marker, Row } from './bar-chart.js';
import { compact, linearScale, logScale, type Scale } from './scale.js';

export interface LegendItem {
  className: string;
  label: string;
  shape: 'bar' | 'line';
}

export interface ChartSpec {
  /** The `data-chart` name. */
  name: string;
  heading: string;
  caption: string;
  legend: LegendItem[];
  chart: BarChart;
}

export const UNSAFE_NOTE = 'unsafe baseline';

const note = (result: StrategyResult): string | undefined =>
  result.strategy === 'naive' ? UNSAFE_NOTE : result.async ? 'async (202)' : undefined;

/**
 * A ceiling far above every bar would squash the bars into slivers; past this
 * factor it is drawn at the right edge as "off scale" (its figure still printed).
 */
const offScaleFactor = 2.5;
/** 5 % past the largest figure, so a line at the maximum does not sit on the plot's edge. */
const headroom = 1.05;

function linearWithMarkers(values: number[], markers: Marker[]): Scale {
  const largestBar = Math.max(1, ...values);
  const onScale = markers.filter((marker) => marker.value <= largestBar * offScaleFactor).map((marker) => marker.value);
  return linearScale(Math.max(largestBar, ...onScale) * headroom);
}

/** Legend lines only for the markers drawn as lines; an off-scale one is a label with an arrow. */
function markerLegend(markers: Marker[], scale: Scale, label: (marker: Marker) => string): LegendItem[] {
  return markers.filter((marker) => marker.value <= scale.max).map((marker) => ({ className: marker.className, label: label(marker), shape: 'line' }));
}

const offScaleNote = 'A ceiling far beyond every bar is named top right with an arrow instead of drawn.';

function throughputChart(report: Report): ChartSpec {
  const http = report.ceilings.http;
  const markers: Marker[] = [{ value: report.settings.rate, label: `offered ${rate(report.settings.rate)}/s`, className: 'marker-offered' }];
  if (http !== null) markers.push({ value: http.throughput, label: `HTTP no-op ceiling ${rate(http.throughput)} req/s`, className: 'marker-ceiling' });
  const rows: Row[] = report.strategies.map((r) => ({
    strategy: r.strategy,
    note: note(r),
    flagged: r.strategy === 'naive',
    bars: [{ value: r.throughput, className: 'bar-throughput', label: `${rate(r.throughput)} req/s (${ratio(r.ratios.throughputToHttpCeiling)})` }],
  }));
  const scale = linearWithMarkers(
    report.strategies.map((r) => r.throughput),
    markers,
  );
  return {
    name: 'throughput',
    heading: 'Throughput against the HTTP ceiling',
    caption:
      'Purchases answered per second, against the offered arrival rate and the HTTP ceiling: what a no-op Fastify ' +
      `route sustains on this machine (closed loop). In brackets: the ratio to the HTTP ceiling. ${offScaleNote}` +
      (http === null ? ' The HTTP ceiling was not measured in this run.' : ''),
    legend: [
      { className: 'bar-throughput', label: 'answered req/s', shape: 'bar' },
      ...markerLegend(markers, scale, (marker) => (marker.className === 'marker-offered' ? 'offered rate' : 'HTTP no-op ceiling')),
    ],
    chart: { id: 'chart-throughput', title: 'Throughput per strategy, requests per second', scale, axisLabel: 'requests per second', rows, markers },
  };
}

function confirmedChart(report: Report): ChartSpec {
  const { redis, postgres } = report.ceilings;
  const markers: Marker[] = [];
  if (redis !== null) markers.push({ value: redis.opsPerSecond, label: `Redis Lua ceiling ${rate(redis.opsPerSecond)} ops/s`, className: 'marker-redis' });
  if (postgres !== null) markers.push({ value: postgres.tps, label: `PostgreSQL hot-row ceiling ${rate(postgres.tps)} tps`, className: 'marker-postgres' });
  const rows: Row[] = report.strategies.map((r) => ({
    strategy: r.strategy,
    note: note(r),
    flagged: r.strategy === 'naive',
    bars: [
      {
        value: r.confirmedPerSecond,
        className: `bar-${r.store}`,
        label: `${rate(r.confirmedPerSecond)}/s (${ratio(r.ratios.confirmedToStoreCeiling)} ${storeLabel[r.store]})`,
      },
    ],
  }));
  const scale = linearWithMarkers(
    report.strategies.map((r) => r.confirmedPerSecond),
    markers,
  );
  const missing = [redis === null ? 'Redis' : null, postgres === null ? 'PostgreSQL' : null].filter((name) => name !== null);
  return {
    name: 'confirmed-throughput',
    heading: 'Confirmed units per second against the store ceiling',
    caption:
      'Units confirmed per second until the first sold-out answer, coloured by the store the deduction runs in, against ' +
      `that store's ceiling: one operation alone on one key. In brackets: the ratio to that ceiling. ${offScaleNote}` +
      (missing.length > 0 ? ` Not measured in this run: the ${missing.join(' and ')} ceiling.` : ''),
    legend: [
      { className: 'bar-redis', label: 'deducts in Redis', shape: 'bar' },
      { className: 'bar-postgres', label: 'deducts in PostgreSQL', shape: 'bar' },
      ...markerLegend(markers, scale, (marker) => marker.label.replace(/ [\d,.]+ \S+$/, '')),
    ],
    chart: { id: 'chart-confirmed', title: 'Confirmed units per second per strategy', scale, axisLabel: 'confirmed units per second', rows, markers },
  };
}

function latencyChart(report: Report): ChartSpec {
  const floor = report.ceilings.http?.atRate;
  const figures = report.strategies.flatMap((r) => [r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99]);
  const markers: Marker[] = [];
  if (floor !== undefined && floor.latencyMs.p50 !== null) {
    markers.push({ value: floor.latencyMs.p50, label: `no-op route p50 at ${rate(floor.rate)}/s: ${ms(floor.latencyMs.p50)} ms`, className: 'marker-ceiling' });
  }
  const positive = [...figures, ...markers.map((marker) => marker.value)].filter((v): v is number => v !== null && v > 0);
  const rows: Row[] = report.strategies.map((r) => ({
    strategy: r.strategy,
    note: note(r),
    flagged: r.strategy === 'naive',
    bars: (['p50', 'p95', 'p99'] as const).map((p) => ({
      value: r.latencyMs[p],
      className: `bar-${p}`,
      label: r.latencyMs[p] === null ? `${p} –` : `${p} ${ms(r.latencyMs[p])} ms`,
    })),
  }));
  return {
    name: 'latency',
    heading: 'Latency percentiles',
    caption:
      'p50, p95 and p99 of every purchase, whatever its answer, on a log scale: a saturated strategy can be a hundred ' +
      'times slower than the rest. The dashed line is the no-op route under the same open load, the floor no strategy can beat.',
    legend: [
      { className: 'bar-p50', label: 'p50', shape: 'bar' },
      { className: 'bar-p95', label: 'p95', shape: 'bar' },
      { className: 'bar-p99', label: 'p99', shape: 'bar' },
      ...(markers.length > 0 ? [{ className: 'marker-ceiling', label: 'no-op route p50 (floor)', shape: 'line' as const }] : []),
    ],
    chart: {
      id: 'chart-latency',
      title: 'Latency p50, p95 and p99 per strategy, milliseconds',
      scale: logScale(Math.min(1, ...positive), Math.max(1, ...positive)),
      axisLabel: 'milliseconds',
      rows,
      markers,
    },
  };
}

function oversoldChart(report: Report): ChartSpec {
  const label = (value: number | null, word: string): string => (value === null ? `${word}: not audited` : `${count(value)} ${word}`);
  const rows: Row[] = report.strategies.map((r) => ({
    strategy: r.strategy,
    note: note(r),
    flagged: r.strategy === 'naive',
    bars: [
      {
        value: r.oversoldUnits,
        className: r.strategy === 'naive' ? 'bar-oversold-baseline' : 'bar-oversold',
        label: label(r.oversoldUnits, 'oversold'),
        muted: (r.oversoldUnits ?? 0) === 0,
      },
      { value: r.undersoldUnits, className: 'bar-undersold', label: label(r.undersoldUnits, 'undersold'), muted: (r.undersoldUnits ?? 0) === 0 },
    ],
  }));
  const values = report.strategies.flatMap((r) => [r.oversoldUnits ?? 0, r.undersoldUnits ?? 0]);
  return {
    name: 'oversold',
    heading: 'Oversold and undersold units',
    caption:
      'From the audit after settling. Oversold: units confirmed beyond the stock, which only the naive baseline (tinted, ' +
      'hatched) may show. Undersold: stock left while buyers were turned away for a reason other than sold out.',
    legend: [
      { className: 'bar-oversold', label: 'oversold units', shape: 'bar' },
      { className: 'bar-oversold-baseline', label: 'oversold by the unsafe baseline (expected)', shape: 'bar' },
      { className: 'bar-undersold', label: 'undersold units', shape: 'bar' },
    ],
    chart: { id: 'chart-oversold', title: 'Oversold and undersold units per strategy', scale: linearScale(Math.max(1, ...values)), axisLabel: 'units', rows, markers: [] },
  };
}

function selloutChart(report: Report): ChartSpec {
  const window = report.settings.windowMs;
  const markers: Marker[] = [{ value: window, label: `arrival window ends: ${seconds(window)}`, className: 'marker-window' }];
  const rows: Row[] = report.strategies.map((r) => ({
    strategy: r.strategy,
    note: note(r),
    flagged: r.strategy === 'naive',
    ghostTo: window,
    bars: [
      {
        value: r.timeToSellOutMs,
        className: 'bar-sellout',
        label: r.timeToSellOutMs === null ? 'did not sell out' : `${ms(r.timeToSellOutMs)} ms`,
      },
    ],
  }));
  const times = report.strategies.map((r) => r.timeToSellOutMs ?? 0);
  return {
    name: 'sellout',
    heading: 'Time to sell out',
    caption:
      'From the scenario start to the first sold-out answer. A strategy that never answered sold out within the ' +
      'arrival window is drawn as a dashed outline: "did not sell out".',
    legend: [
      { className: 'bar-sellout', label: 'sold out after', shape: 'bar' },
      { className: 'ghost', label: 'did not sell out', shape: 'bar' },
      { className: 'marker-window', label: 'end of the arrival window', shape: 'line' },
    ],
    chart: {
      id: 'chart-sellout',
      title: 'Time to sell out per strategy',
      scale: linearScale(Math.max(window, ...times)),
      axisLabel: 'seconds from the scenario start',
      tickLabel: (value) => compact(value / 1000),
      rows,
      markers,
    },
  };
}

export function chartSpecs(report: Report): ChartSpec[] {
  return [throughputChart(report), confirmedChart(report), latencyChart(report), oversoldChart(report), selloutChart(report)];
}
