// One horizontal bar chart as inline SVG: a row per strategy (names stay
// readable, nothing rotated), one or more bars per row, vertical reference
// lines (ceilings, floors, the arrival window). Colours come from CSS classes
// in styles.ts, so the legend swatches and the bars share one definition.
import type { Range } from '../report-types.js';
import { html, type Html } from './escape.js';
import { compact, type Scale } from './scale.js';

export interface Bar {
  value: number | null;
  /** CSS class giving the colour, e.g. `bar-p95`. */
  className: string;
  /** Printed after the bar: the figure, with its unit. */
  label: string;
  /** Grey label: a figure that is zero or missing, so the ones that matter stand out. */
  muted?: boolean;
  /** Min–max over the repeats: a whisker across the bar's end. */
  range?: Range;
}

export interface Row {
  strategy: string;
  /** Second, smaller line under the name: `unsafe baseline`, `async`. */
  note?: string;
  /** Tint the row and colour its name: the unsafe baseline. */
  flagged?: boolean;
  bars: Bar[];
  /** Draws a dashed outline up to this value when every bar is null (e.g. did not sell out within the window). */
  ghostTo?: number;
}

export interface Marker {
  value: number;
  label: string;
  className: string;
}

export interface BarChart {
  id: string;
  title: string;
  scale: Scale;
  axisLabel: string;
  /** Tick text; compact numbers (`1.5k`) unless given. */
  tickLabel?: (value: number) => string;
  rows: Row[];
  markers: Marker[];
}

// The viewBox is 800 wide; the page scales it to the column width.
const width = 800;
// Room for the longest strategy name (14 characters) and a note at 12 px.
const plotLeft = 150;
const plotRight = 630; // the rest holds value labels such as `9,850 req/s (0.21×)`
const plotWidth = plotRight - plotLeft;
const markerLine = 15; // one line of marker label at the top per marker, so close markers never overlap

const barHeight = (bars: number): number => (bars === 1 ? 16 : 11);
const barGap = 3;
const rowPadding = 8;
const rowHeight = (bars: number): number => bars * barHeight(bars) + (bars - 1) * barGap + 2 * rowPadding;
const fmt = (n: number): string => String(Math.round(n * 10) / 10);

function rowSvg(row: Row, top: number, chart: BarChart): Html {
  const height = rowHeight(row.bars.length);
  const h = barHeight(row.bars.length);
  const xOf = (value: number): number => plotLeft + chart.scale.at(value) * plotWidth;
  const allNull = row.bars.every((bar) => bar.value === null);
  const nameY = top + height / 2 + (row.note === undefined ? 4 : -2);
  const bars = row.bars.map((bar, index) => {
    const y = top + rowPadding + index * (h + barGap);
    const end = bar.value === null ? plotLeft : xOf(bar.value);
    const barWidth = Math.max(0, end - plotLeft);
    const range = bar.value === null ? undefined : bar.range;
    const whisker =
      range === undefined
        ? null
        : html`<path class="whisker" d="M${fmt(xOf(range[0]))} ${fmt(y + h / 2)}H${fmt(xOf(range[1]))}M${fmt(xOf(range[0]))} ${fmt(y + 1)}v${h - 2}M${fmt(xOf(range[1]))} ${fmt(y + 1)}v${h - 2}"/>`;
    // The label starts past the whisker, so the two never overlap.
    const labelX = Math.max(end, range === undefined ? end : xOf(range[1])) + 5;
    // A zero-width bar still gets a 1 px stub so the eye finds the row's baseline.
    return html`<rect class="${bar.className}" data-strategy="${row.strategy}" x="${plotLeft}" y="${fmt(y)}" width="${fmt(Math.max(barWidth, 1))}" height="${h}" rx="2"><title>${row.strategy}: ${bar.label}</title></rect>${whisker}
<text class="value${bar.value === null ? ' muted missing' : bar.muted === true ? ' muted' : ''}" x="${fmt(labelX)}" y="${fmt(y + h / 2 + 4)}">${bar.label}</text>`;
  });
  const ghost =
    allNull && row.ghostTo !== undefined
      ? html`<rect class="ghost" x="${plotLeft}" y="${top + rowPadding}" width="${fmt(xOf(row.ghostTo) - plotLeft)}" height="${h}" rx="2"/>`
      : null;
  return html`<g class="row${row.flagged === true ? ' flagged' : ''}" data-strategy="${row.strategy}">
<text class="name" x="${plotLeft - 10}" y="${fmt(nameY)}" text-anchor="end">${row.strategy}</text>
${row.note === undefined ? null : html`<text class="note" x="${plotLeft - 10}" y="${fmt(nameY + 13)}" text-anchor="end">${row.note}</text>`}
${ghost}${bars}
</g>`;
}

function markerSvg(marker: Marker, index: number, chart: BarChart, plotBottom: number): Html {
  const labelY = 14 + index * markerLine;
  if (marker.value > chart.scale.max) {
    // Far beyond every bar: no line at the plot's edge (it would read as a value there), a label pointing off the axis.
    return html`<g class="marker off-scale ${marker.className}">
<text x="${plotRight}" y="${labelY}" text-anchor="end">${marker.label} →</text>
</g>`;
  }
  const x = plotLeft + chart.scale.at(marker.value) * plotWidth;
  // Labels right of the middle grow leftwards so they stay inside the picture.
  const anchor = x > plotLeft + plotWidth / 2 ? 'end' : 'start';
  const labelX = anchor === 'end' ? x + 4 : x - 4;
  return html`<g class="marker ${marker.className}">
<line x1="${fmt(x)}" x2="${fmt(x)}" y1="${labelY + 4}" y2="${plotBottom}"/>
<text x="${fmt(labelX)}" y="${labelY}" text-anchor="${anchor}">${marker.label}</text>
</g>`;
}

function axisSvg(chart: BarChart, plotTop: number, plotBottom: number): Html {
  const ticks = chart.scale.ticks.map((tick) => {
    const x = fmt(plotLeft + chart.scale.at(tick) * plotWidth);
    return html`<line class="grid" x1="${x}" x2="${x}" y1="${plotTop}" y2="${plotBottom}"/>
<text class="tick" x="${x}" y="${plotBottom + 15}" text-anchor="middle">${(chart.tickLabel ?? compact)(tick)}</text>`;
  });
  const scaleNote = chart.scale.kind === 'log' ? ' (log scale)' : '';
  return html`<g class="axis">${ticks}
<line class="baseline" x1="${plotLeft}" x2="${plotLeft}" y1="${plotTop}" y2="${plotBottom}"/>
<text class="axis-label" x="${plotLeft + plotWidth / 2}" y="${plotBottom + 33}" text-anchor="middle">${chart.axisLabel}${scaleNote}</text>
</g>`;
}

export function barChartSvg(chart: BarChart): Html {
  const plotTop = 10 + chart.markers.length * markerLine + 6;
  const rowTops: number[] = [];
  let y = plotTop;
  for (const row of chart.rows) {
    rowTops.push(y);
    y += rowHeight(row.bars.length);
  }
  const plotBottom = y;
  const height = plotBottom + 42;
  const rows = chart.rows.map((row, index) => rowSvg(row, rowTops[index] ?? plotTop, chart));
  // Bands first: the grid and the bars are drawn over them.
  const bands = chart.rows.map((row, index) =>
    row.flagged === true
      ? html`<rect class="flag-band" x="0" y="${rowTops[index] ?? plotTop}" width="${width}" height="${rowHeight(row.bars.length)}"/>`
      : null,
  );
  // Off-scale labels take the top lines: they draw no line, so none crosses the labels below it.
  const ordered = [...chart.markers].sort((a, b) => Number(b.value > chart.scale.max) - Number(a.value > chart.scale.max));
  const markers = ordered.map((marker, index) => markerSvg(marker, index, chart, plotBottom));
  return html`<svg class="chart" viewBox="0 0 ${width} ${fmt(height)}" role="img" aria-labelledby="${chart.id}-title" preserveAspectRatio="xMinYMin meet">
<title id="${chart.id}-title">${chart.title}</title>
${bands}
${axisSvg(chart, plotTop, plotBottom)}
${rows}
${markers}
</svg>`;
}
