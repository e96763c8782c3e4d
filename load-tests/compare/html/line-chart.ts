// One line chart as SVG: a line per series, a marker per point, min–max
// whiskers, the legend inside the picture. Colours and fonts are presentation
// attributes, not page CSS, so the same drawing works inline in report.html
// and as a standalone .svg file (docs/contention-curve.svg, shown by GitHub
// through an <img>, where no outside stylesheet reaches).
import type { Range } from '../report-types.js';
import { html, type Html } from './escape.js';
import { compact, type Scale } from './scale.js';

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';

export interface LinePoint {
  x: number;
  y: number | null;
  /** Min–max over the repeats, drawn as a whisker. */
  range?: Range;
  /** Tooltip text. */
  label: string;
}

export interface LineSeries {
  name: string;
  colour: string;
  /** Dashed: the unsafe baseline, which reads as "not a real option". */
  dashed: boolean;
  shape: MarkerShape;
  /** Second, smaller legend line: `unsafe baseline`, `async`. */
  note?: string;
  points: LinePoint[];
}

export interface LineChart {
  id: string;
  title: string;
  x: Scale;
  xTickLabel: (value: number) => string;
  xLabel: string;
  y: Scale;
  yLabel: string;
  series: LineSeries[];
}

const ink = '#111827';
const muted = '#4b5563';
const grid = '#e5e7eb';
const axis = '#9ca3af';
// system-ui first like the page; the rest so GitHub's <img> on any OS finds a sans-serif.
const fontFamily = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, Liberation Sans, sans-serif';

// The viewBox is 800 wide like the bar charts; the page scales it to the column.
const width = 800;
const plotLeft = 64; // room for `1.25k` tick labels
const plotRight = 610; // the rest is the legend
const plotHeight = 300;
const inset = 22; // the first and last points stay clear of the axes
const legendX = 632;
const fmt = (n: number): string => String(Math.round(n * 10) / 10);

function markerSvg(shape: MarkerShape, x: number, y: number, colour: string, title: string): Html {
  const attrs = html`fill="${colour}" stroke="#ffffff" stroke-width="1.5"`;
  const tip = html`<title>${title}</title>`;
  const [cx, cy] = [fmt(x), fmt(y)];
  if (shape === 'circle') return html`<circle cx="${cx}" cy="${cy}" r="4.5" ${attrs}>${tip}</circle>`;
  if (shape === 'square') return html`<rect x="${fmt(x - 4)}" y="${fmt(y - 4)}" width="8" height="8" ${attrs}>${tip}</rect>`;
  const points =
    shape === 'triangle'
      ? [
          [x, y - 5.5],
          [x + 5, y + 4],
          [x - 5, y + 4],
        ]
      : [
          [x, y - 5.5],
          [x + 5.5, y],
          [x, y + 5.5],
          [x - 5.5, y],
        ];
  return html`<polygon points="${points.map(([px = 0, py = 0]) => `${fmt(px)},${fmt(py)}`).join(' ')}" ${attrs}>${tip}</polygon>`;
}

/** Consecutive measured points joined; a missing point breaks the line rather than bridging it. */
function pathData(points: Array<[number, number] | null>): string {
  let d = '';
  let pen = false;
  for (const point of points) {
    if (point === null) pen = false;
    else {
      d += `${pen ? 'L' : 'M'}${fmt(point[0])} ${fmt(point[1])} `;
      pen = true;
    }
  }
  return d.trim();
}

function seriesSvg(series: LineSeries, xOf: (v: number) => number, yOf: (v: number) => number): Html {
  const placed = series.points.map((p): [number, number] | null => (p.y === null ? null : [xOf(p.x), yOf(p.y)]));
  const dash = series.dashed ? html` stroke-dasharray="7 4"` : null;
  const whiskers = series.points.map((p) => {
    if (p.range === undefined || p.y === null) return null;
    const [x, y1, y2] = [fmt(xOf(p.x)), fmt(yOf(p.range[0])), fmt(yOf(p.range[1]))];
    return html`<path d="M${x} ${y1}V${y2}M${fmt(xOf(p.x) - 3)} ${y1}h6M${fmt(xOf(p.x) - 3)} ${y2}h6" stroke="${series.colour}" stroke-width="1.2" opacity="0.7" fill="none"/>`;
  });
  const markers = series.points.map((p, i) => {
    const at = placed[i];
    return at === null || at === undefined ? null : markerSvg(series.shape, at[0], at[1], series.colour, p.label);
  });
  return html`<g data-strategy="${series.name}">
<path d="${pathData(placed)}" fill="none" stroke="${series.colour}" stroke-width="2.2" stroke-linejoin="round"${dash}/>
${whiskers}${markers}
</g>`;
}

function legendSvg(chart: LineChart, top: number): Html {
  let y = top + 6;
  const items = chart.series.map((series) => {
    const rowY = y;
    y += series.note === undefined ? 20 : 32;
    const dash = series.dashed ? html` stroke-dasharray="7 4"` : null;
    return html`<g>
<path d="M${legendX} ${rowY}h28" stroke="${series.colour}" stroke-width="2.2"${dash}/>
${markerSvg(series.shape, legendX + 14, rowY, series.colour, series.name)}
<text x="${legendX + 36}" y="${rowY + 4}" font-size="12" fill="${ink}">${series.name}</text>
${series.note === undefined ? null : html`<text x="${legendX + 36}" y="${rowY + 17}" font-size="10" fill="${series.dashed ? '#b91c1c' : muted}">${series.note}</text>`}
</g>`;
  });
  return html`<g aria-label="legend">${items}</g>`;
}

export interface LineChartOptions {
  /** A document of its own: xmlns, size, font, white background, and this heading drawn inside. */
  standalone?: { heading: string; subheadings: string[]; dataChart: string };
}

export function lineChartSvg(chart: LineChart, options: LineChartOptions = {}): Html {
  const { standalone } = options;
  // Standalone: the heading, a line per subheading, then the y label's line.
  const plotTop = standalone === undefined ? 28 : 62 + 16 * standalone.subheadings.length;
  const plotBottom = plotTop + plotHeight;
  const legendBottom = plotTop + 6 + chart.series.reduce((sum, s) => sum + (s.note === undefined ? 20 : 32), 0);
  const height = Math.max(plotBottom + 46, legendBottom + 8);
  const xOf = (v: number): number => plotLeft + inset + chart.x.at(v) * (plotRight - plotLeft - 2 * inset);
  const yOf = (v: number): number => plotBottom - chart.y.at(v) * plotHeight;
  const yTicks = chart.y.ticks.map((tick) => {
    const y = fmt(yOf(tick));
    return html`<path d="M${plotLeft} ${y}H${plotRight}" stroke="${grid}"/>
<text x="${plotLeft - 8}" y="${fmt(yOf(tick) + 4)}" text-anchor="end" font-size="11" fill="${muted}">${compact(tick)}</text>`;
  });
  const xTicks = chart.x.ticks.map((tick) => {
    const x = fmt(xOf(tick));
    return html`<path d="M${x} ${plotTop}V${plotBottom + 4}" stroke="${grid}"/>
<text x="${x}" y="${plotBottom + 18}" text-anchor="middle" font-size="11" fill="${muted}">${chart.xTickLabel(tick)}</text>`;
  });
  const yScaleNote = chart.y.kind === 'log' ? ' (log scale)' : '';
  const xScaleNote = chart.x.kind === 'log' ? ' (log scale)' : '';
  const root =
    standalone === undefined
      ? html`<svg class="line-chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${chart.id}-title" preserveAspectRatio="xMinYMin meet">`
      : html`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${fontFamily}" role="img" aria-labelledby="${chart.id}-title" data-chart="${standalone.dataChart}">
<rect width="${width}" height="${height}" fill="#ffffff"/>
<text x="16" y="26" font-size="17" font-weight="700" fill="${ink}">${standalone.heading}</text>
${standalone.subheadings.map((line, i) => html`<text x="16" y="${46 + 16 * i}" font-size="12" fill="${muted}">${line}</text>
`)}`;
  return html`${root}
<title id="${chart.id}-title">${chart.title}</title>
<text x="${plotLeft}" y="${plotTop - 10}" font-size="12" fill="${muted}">${chart.yLabel}${yScaleNote}</text>
${yTicks}${xTicks}
<path d="M${plotLeft} ${plotTop}V${plotBottom}H${plotRight}" stroke="${axis}" fill="none"/>
<text x="${(plotLeft + plotRight) / 2}" y="${plotBottom + 36}" text-anchor="middle" font-size="12" fill="${muted}">${chart.xLabel}${xScaleNote}</text>
${chart.series.map((series) => seriesSvg(series, xOf, yOf))}
${legendSvg(chart, plotTop)}
</svg>`;
}
