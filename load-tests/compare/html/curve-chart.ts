// The contention curve: sales per second (and p95) of every strategy as the
// number of concurrent buyers on one hot SKU grows. Line charts, because the
// shape is the finding: a guarded decrement climbs and levels off at the
// store's ceiling, a lock or a retry loop levels off early or falls.
import { count, ms, ranged, rate, seconds, utcMinute } from '../report-format.js';
import type { Range, Report, StrategyResult } from '../report-types.js';
import { runFacts } from '../report-facts.js';
import type { Figure } from './figure.js';
import { lineChartSvg, type LineChart, type LineSeries, type MarkerShape } from './line-chart.js';
import { linearScale, logScale, logScaleOver } from './scale.js';

// Distinct hues, each at least 3:1 against white; the unsafe baseline gets
// the page's red and a dashed line instead, so it never shares a colour.
const palette = ['#1d4ed8', '#c2410c', '#047857', '#7e22ce', '#0891b2', '#4d7c0f', '#be185d', '#374151', '#92400e', '#1e3a8a'];
const unsafeColour = '#b91c1c';
// Shapes cycle out of step with colours (4 against 10), so two series never share both.
const shapes: MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

export const seriesNote = (r: StrategyResult): string | undefined => (!r.safe ? 'unsafe baseline' : r.async ? 'async (202)' : undefined);

interface Look {
  colour: string;
  dashed: boolean;
  shape: MarkerShape;
}

/** Colour and marker per strategy, by its place in the report, so both curve charts agree. */
function looks(report: Report): Look[] {
  let safeIndex = 0;
  return report.strategies.map((r, index) => {
    const shape = shapes[index % shapes.length] ?? 'circle';
    if (!r.safe) return { colour: unsafeColour, dashed: true, shape };
    const colour = palette[safeIndex % palette.length] ?? palette[0] ?? '#000000';
    safeIndex++;
    return { colour, dashed: false, shape };
  });
}

type Pick = (point: StrategyResult['curve'][number]) => { value: number | null; range: Range | undefined };

function series(report: Report, pick: Pick, label: (r: StrategyResult, vus: number, value: string) => string, format: (v: number) => string): LineSeries[] {
  const styles = looks(report);
  const showRanges = report.settings.repeat > 1;
  return report.strategies.map((r, index) => {
    const look = styles[index] ?? { colour: palette[0] ?? '#000000', dashed: false, shape: 'circle' };
    return {
      name: r.strategy,
      ...look,
      note: seriesNote(r),
      // Points by the settings' VUs, in order: a failed point is a gap, not a shifted line.
      points: report.settings.curve.vus.map((vus) => {
        const point = r.curve.find((p) => p.vus === vus);
        if (point === undefined) return { x: vus, y: null, label: `${r.strategy}, ${count(vus)} VUs: not measured` };
        const { value, range } = pick(point);
        const shown = showRanges ? range : undefined;
        return { x: vus, y: value, ...(shown === undefined ? {} : { range: shown }), label: label(r, vus, ranged(value, shown, format)) };
      }),
    };
  });
}

const vusAxis = (report: Report): LineChart['x'] => {
  const vus = report.settings.curve.vus;
  return logScaleOver(Math.min(...vus), Math.max(...vus), vus);
};

function salesChart(report: Report): LineChart {
  const lines = series(
    report,
    (p) => ({ value: p.perSecond, range: p.range.perSecond }),
    (r, vus, value) => `${r.strategy}, ${count(vus)} VUs: ${value} sales/s`,
    rate,
  );
  const largest = Math.max(1, ...lines.flatMap((s) => s.points.flatMap((p) => [p.y ?? 0, p.range?.[1] ?? 0])));
  return {
    id: 'chart-curve',
    title: 'Sales per second against concurrent buyers, per strategy',
    x: vusAxis(report),
    xTickLabel: count,
    xLabel: 'concurrent buyers (VUs)',
    y: linearScale(largest * 1.05),
    yLabel: 'sales per second',
    series: lines,
  };
}

function p95Chart(report: Report): LineChart {
  const lines = series(
    report,
    (p) => ({ value: p.p95Ms, range: p.range.p95Ms }),
    (r, vus, value) => `${r.strategy}, ${count(vus)} VUs: p95 ${value} ms`,
    ms,
  );
  const figures = lines.flatMap((s) => s.points.flatMap((p) => [p.y, ...(p.range ?? [])])).filter((v): v is number => v !== null && v > 0);
  return {
    id: 'chart-curve-p95',
    title: 'p95 latency against concurrent buyers, per strategy',
    x: vusAxis(report),
    xTickLabel: count,
    xLabel: 'concurrent buyers (VUs)',
    y: logScale(Math.min(1, ...figures), Math.max(1, ...figures)),
    yLabel: 'p95 latency, ms',
    series: lines,
  };
}

const rangeWords = (report: Report): string =>
  report.settings.repeat > 1 ? `Medians of ${report.settings.repeat} runs; whiskers: min–max.` : 'One run.';

/** Said only when it happened: a line with a gap otherwise reads as a drawing fault. */
const gapWords = (report: Report): string =>
  report.strategies.some((r) => report.settings.curve.vus.some((vus) => !r.curve.some((p) => p.vus === vus))) ? ' A gap in a line: that point was not measured.' : '';

export function curveFigures(report: Report): Figure[] {
  const { vus, durationMs } = report.settings.curve;
  return [
    {
      name: 'curve',
      heading: 'Contention curve: sales per second as buyers grow',
      caption:
        `Selling closed loop on one hot SKU at ${vus.map(count).join(', ')} concurrent buyers, ${seconds(durationMs)} each (buyers on a log scale). ` +
        'A decrement guarded in one statement climbs until its store or HTTP saturates; a lock or a retry loop levels off early or falls. ' +
        `${rangeWords(report)} Dashed: the unsafe baseline.${gapWords(report)}`,
      legend: [],
      body: lineChartSvg(salesChart(report)),
    },
    {
      name: 'curve-p95',
      heading: 'Contention curve: p95 latency as buyers grow',
      caption: `The same runs: p95 of every answer, on a log scale (closed loop: more buyers wait longer once the strategy is saturated). ${rangeWords(report)}`,
      legend: [],
      body: lineChartSvg(p95Chart(report)),
    },
  ];
}

/** The sales curve as a standalone SVG document, for docs/contention-curve.svg and the README on GitHub. */
export function curveSvg(report: Report): string {
  const facts = runFacts(report);
  const svg = lineChartSvg(salesChart(report), {
    standalone: {
      heading: 'Contention curve: sales per second as concurrent buyers grow',
      subheadings: [
        `${utcMinute(report.startedAt)} · ${facts.machine} · ${report.command}`,
        `Selling closed loop on one hot SKU, ${seconds(report.settings.curve.durationMs)} per point. ${rangeWords(report)} Dashed: the unsafe baseline.`,
      ],
      dataChart: 'curve',
    },
  });
  return `${svg.markup}\n`;
}
