// The report's bar charts: which figures, on which scale, against which
// reference line. Drawing is bar-chart.ts; this file only decides what to show.
import { count, ms, ranged, rate, seconds } from '../report-format.js';
import type { Range, Ranges, Report, StrategyResult } from '../report-types.js';
import { barChartSvg, type Bar, type Marker, type Row } from './bar-chart.js';
import { seriesNote } from './curve-chart.js';
import type { Figure, LegendItem } from './figure.js';
import { compact, linearScale, logScale, type Scale } from './scale.js';

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

/** A row per strategy: the unsafe baseline tinted, async noted. */
const row = (r: StrategyResult, bars: Bar[], ghostTo?: number): Row => ({
  strategy: r.strategy,
  note: seriesNote(r),
  flagged: !r.safe,
  bars,
  ...(ghostTo === undefined ? {} : { ghostTo }),
});

/** The min–max whisker of a figure, only when there were repeats to spread. */
const rangeOf = (report: Report, ranges: Ranges | undefined, key: string): Range | undefined =>
  report.settings.repeat > 1 && ranges !== undefined ? ranges[key] : undefined;

/** Largest end of every bar, whiskers included, so no whisker leaves the scale. */
const extents = (rows: Row[]): number[] => rows.flatMap((r) => r.bars.flatMap((b) => [b.value ?? 0, b.range?.[1] ?? 0]));

function capacityFigure(report: Report): Figure {
  const { http, postgres } = report.ceilings;
  const markers: Marker[] = [];
  if (http !== null) markers.push({ value: http.throughput, label: `HTTP no-op ceiling ${rate(http.throughput)} req/s`, className: 'marker-ceiling' });
  if (postgres !== null) markers.push({ value: postgres.tps, label: `PostgreSQL hot-row ceiling ${rate(postgres.tps)} tps`, className: 'marker-postgres' });
  const bar = (value: number | null | undefined, ranges: Ranges | undefined, key: string, className: string, unit: string): Bar => {
    const range = rangeOf(report, ranges, key);
    return { value: value ?? null, className, label: value === null || value === undefined ? `${unit}: –` : `${ranged(value, range, rate)} ${unit}`, ...(range === undefined ? {} : { range }) };
  };
  const rows = report.strategies.map((r) => {
    const { selling, refusing } = r.capacity;
    const bars = [
      bar(selling?.perSecond, selling?.range, 'perSecond', 'bar-selling', 'sales/s'),
      bar(refusing?.perSecond, refusing?.range, 'perSecond', 'bar-refusing', 'refusals/s'),
    ];
    if (r.async) bars.push(bar(selling?.drainPerSecond, selling?.range, 'drainPerSecond', 'bar-drain', 'confirmed/s by the worker'));
    return row(r, bars);
  });
  const scale = linearWithMarkers(extents(rows), markers);
  const { vus, durationMs } = report.settings.capacity;
  return {
    name: 'capacity',
    heading: 'Capacity: sales and refusals per second, closed loop',
    caption:
      `${count(vus)} buyers each sending the next purchase as soon as the last is answered, ${seconds(durationMs)} per phase: ` +
      'selling on stock that cannot run out, refusing on a sold-out SKU; an async strategy also shows what its worker confirmed. ' +
      `Against the HTTP no-op ceiling (same VUs) and the PostgreSQL hot-row ceiling. ${offScaleNote}` +
      (report.settings.repeat > 1 ? ' Whiskers: min–max over the runs.' : '') +
      (http === null || postgres === null ? ` Not measured in this run: the ${[http === null ? 'HTTP' : null, postgres === null ? 'PostgreSQL' : null].filter((n) => n !== null).join(' and ')} ceiling.` : ''),
    legend: [
      { className: 'bar-selling', label: 'sales/s (201, or 202 async)', shape: 'bar' },
      { className: 'bar-refusing', label: 'refusals/s (409 sold out)', shape: 'bar' },
      ...(report.strategies.some((r) => r.async) ? [{ className: 'bar-drain', label: 'async: confirmed/s by the worker', shape: 'bar' as const }] : []),
      ...markerLegend(markers, scale, (marker) => marker.label.replace(/ [\d,.]+ \S+$/, '')),
    ],
    body: barChartSvg({ id: 'chart-capacity', title: 'Selling and refusing capacity per strategy, per second', scale, axisLabel: 'per second', rows, markers }),
  };
}

function latencyFigure(report: Report): Figure {
  const floor = report.ceilings.http?.atRate;
  const limit = report.settings.spike.keptUpP95Ms;
  const markers: Marker[] = [{ value: limit, label: `kept-up limit: p95 ${ms(limit)} ms`, className: 'marker-limit' }];
  if (floor !== undefined && floor.latencyMs.p50 !== null) {
    markers.push({ value: floor.latencyMs.p50, label: `no-op route p50 at ${rate(floor.rate)}/s: ${ms(floor.latencyMs.p50)} ms`, className: 'marker-ceiling' });
  }
  const rows = report.strategies.map((r) =>
    row(
      r,
      (['p50', 'p95', 'p99'] as const).map((p) => {
        const value = r.spike?.latencyMs[p] ?? null;
        return { value, className: `bar-${p}`, label: value === null ? `${p} –` : `${p} ${ms(value)} ms` };
      }),
    ),
  );
  const positive = [...extents(rows), ...markers.map((marker) => marker.value)].filter((v) => v > 0);
  return {
    name: 'spike-latency',
    heading: 'Spike: latency percentiles',
    caption:
      'p50, p95 and p99 of every answer in the flash sale, whatever its status, on a log scale: a saturated strategy can be a hundred ' +
      'times slower than the rest. The dashed line is the no-op route at the same open rate, the floor no strategy can beat.',
    legend: [
      { className: 'bar-p50', label: 'p50', shape: 'bar' },
      { className: 'bar-p95', label: 'p95', shape: 'bar' },
      { className: 'bar-p99', label: 'p99', shape: 'bar' },
      { className: 'marker-limit', label: 'kept-up limit (p95)', shape: 'line' },
      ...(markers.length > 1 ? [{ className: 'marker-ceiling', label: 'no-op route p50 (floor)', shape: 'line' as const }] : []),
    ],
    body: barChartSvg({
      id: 'chart-spike-latency',
      title: 'Spike latency p50, p95 and p99 per strategy, milliseconds',
      scale: logScale(Math.min(1, ...positive), Math.max(1, ...positive)),
      axisLabel: 'milliseconds',
      rows,
      markers,
    }),
  };
}

function oversoldFigure(report: Report): Figure {
  const bar = (r: StrategyResult, key: 'oversoldUnits' | 'undersoldUnits', word: string, className: string): Bar => {
    const value = r.spike?.[key] ?? null;
    const range = rangeOf(report, r.spike?.range, key);
    const label = value === null ? `${word}: ${r.spike === null ? 'not measured' : 'not audited'}` : `${ranged(value, range, count)} ${word}`;
    return { value, className, label, muted: (value ?? 0) === 0, ...(range === undefined ? {} : { range }) };
  };
  const rows = report.strategies.map((r) =>
    row(r, [bar(r, 'oversoldUnits', 'oversold', r.safe ? 'bar-oversold' : 'bar-oversold-baseline'), bar(r, 'undersoldUnits', 'undersold', 'bar-undersold')]),
  );
  return {
    name: 'oversold',
    heading: 'Spike: oversold and undersold units',
    caption:
      'From the audit after settling. Oversold: units confirmed beyond the stock, which only the unsafe baseline (tinted, ' +
      'hatched) may show. Undersold: stock left while buyers were turned away for a reason other than sold out.',
    legend: [
      { className: 'bar-oversold', label: 'oversold units', shape: 'bar' },
      { className: 'bar-oversold-baseline', label: 'oversold by the unsafe baseline (expected)', shape: 'bar' },
      { className: 'bar-undersold', label: 'undersold units', shape: 'bar' },
    ],
    body: barChartSvg({
      id: 'chart-oversold',
      title: 'Oversold and undersold units per strategy',
      scale: linearScale(Math.max(1, ...extents(rows))),
      axisLabel: 'units',
      rows,
      markers: [],
    }),
  };
}

function selloutFigure(report: Report): Figure {
  const window = report.settings.spike.windowMs;
  const markers: Marker[] = [{ value: window, label: `arrival window ends: ${seconds(window)}`, className: 'marker-window' }];
  const rows = report.strategies.map((r) => {
    const value = r.spike?.timeToSellOutMs ?? null;
    const range = rangeOf(report, r.spike?.range, 'timeToSellOutMs');
    const label = r.spike === null ? 'not measured' : value === null ? 'did not sell out' : `${ranged(value, range, ms)} ms`;
    return row(r, [{ value, className: 'bar-sellout', label, ...(range === undefined ? {} : { range }) }], r.spike === null ? undefined : window);
  });
  return {
    name: 'sellout',
    heading: 'Spike: time to sell out',
    caption:
      'From the scenario start to the first sold-out answer. A strategy that never answered sold out within the ' +
      'arrival window is drawn as a dashed outline: "did not sell out".',
    legend: [
      { className: 'bar-sellout', label: 'sold out after', shape: 'bar' },
      { className: 'ghost', label: 'did not sell out', shape: 'bar' },
      { className: 'marker-window', label: 'end of the arrival window', shape: 'line' },
    ],
    body: barChartSvg({
      id: 'chart-sellout',
      title: 'Time to sell out per strategy',
      scale: linearScale(Math.max(window, ...extents(rows))),
      axisLabel: 'seconds from the scenario start',
      tickLabel: (value) => compact(value / 1000),
      rows,
      markers,
    }),
  };
}

export const capacityFigures = (report: Report): Figure[] => [capacityFigure(report)];

export const spikeFigures = (report: Report): Figure[] => [latencyFigure(report), oversoldFigure(report), selloutFigure(report)];
