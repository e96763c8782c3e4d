// The flash sale over time, one small chart per strategy: answers per second
// by status, stacked per time bucket. Side by side on the same scales they
// show what no total can: when each sold out, when it started shedding (503)
// or dropping arrivals, and how long answers kept coming after the window.
import { count, ms, rate, seconds } from '../report-format.js';
import type { Report, SpikeSeries, StrategyResult } from '../report-types.js';
import { html, type Html } from './escape.js';
import { legendList, type LegendItem } from './figure.js';
import { compact, linearScale, type Scale } from './scale.js';
import { strategyTags } from './tables.js';

type SeriesKey = Exclude<keyof SpikeSeries, 'bucketMs' | 'windowMs' | 'timeToSellOutMs' | 'drainAfterMs'>;

/** Bottom to top: sales first, then refusals, then what went wrong, and what never got sent on top. */
const statuses: ReadonlyArray<{ key: SeriesKey; label: string; className: string }> = [
  { key: 'confirmed', label: '201 confirmed', className: 'st-confirmed' },
  { key: 'pending', label: '202 accepted (async)', className: 'st-pending' },
  { key: 'soldOut', label: '409 sold out', className: 'st-soldout' },
  { key: 'contended', label: '503 shed', className: 'st-contended' },
  { key: 'error', label: 'error', className: 'st-error' },
  { key: 'dropped', label: 'dropped by k6 (never sent)', className: 'st-dropped' },
];

// Small multiples: a 420-wide viewBox shown ~440 px wide keeps 11 px text at about 11 px.
const width = 420;
const plotLeft = 40;
const plotRight = 396; // room for the last tick label, `20 s`, centred on the edge
const plotTop = 34; // two label lines above the plot: the window's end, the sold-out moment
const plotBottom = 186;
const height = 206;
const fmt = (n: number): string => String(Math.round(n * 10) / 10);

const buckets = (series: SpikeSeries): number => Math.max(0, ...statuses.map((s) => series[s.key].length));
const perSecond = (n: number, series: SpikeSeries): number => (n * 1000) / series.bucketMs;

interface Shared {
  x: Scale;
  y: Scale;
  /** The offered rate, drawn over the arrival window only: after it nothing more is offered. */
  rate: number;
  windowMs: number;
}

/** One x and one y scale for every panel, so their columns and moments compare by eye. */
function sharedScales(report: Report): Shared {
  const spikes = report.strategies.flatMap((r) => (r.spike === null ? [] : [r.spike]));
  const ends = spikes.flatMap((s) => [buckets(s.series) * s.series.bucketMs, s.series.windowMs, s.series.timeToSellOutMs ?? 0, s.series.windowMs + (s.series.drainAfterMs ?? 0)]);
  const tops = spikes.flatMap((s) =>
    Array.from({ length: buckets(s.series) }, (_, i) => perSecond(statuses.reduce((sum, st) => sum + (s.series[st.key][i] ?? 0), 0), s.series)),
  );
  const rateNow = report.settings.spike.rate;
  // Across: to the last answer, to the second, not to a round 25 s: the tail after the window is what matters there.
  const end = Math.ceil(Math.max(1000, report.settings.spike.windowMs, ...ends) / 1000) * 1000;
  const nice = linearScale(end);
  const x: Scale = { ...nice, max: end, at: (value) => Math.min(1, Math.max(0, value / end)), ticks: nice.ticks.filter((tick) => tick <= end) };
  return { x, y: linearScale(Math.max(1, rateNow, ...tops) * 1.05), rate: rateNow, windowMs: report.settings.spike.windowMs };
}

function columnsSvg(series: SpikeSeries, shared: Shared): Html[] {
  const xOf = (msValue: number): number => plotLeft + shared.x.at(msValue) * (plotRight - plotLeft);
  const yOf = (value: number): number => plotBottom - shared.y.at(value) * (plotBottom - plotTop);
  return Array.from({ length: buckets(series) }, (_, i) => {
    const x0 = xOf(i * series.bucketMs);
    const full = xOf((i + 1) * series.bucketMs) - x0;
    // A 1 px gap separates wide columns; narrow ones (many buckets) touch rather than vanish.
    const w = full > 5 ? full - 1 : full;
    let base = 0;
    const parts: string[] = [];
    const rects = statuses.map((status) => {
      const value = perSecond(series[status.key][i] ?? 0, series);
      if (value <= 0) return null;
      const [top, bottom] = [yOf(base + value), yOf(base)];
      base += value;
      parts.push(`${status.label.split(' ')[0] ?? ''} ${rate(value)}/s`);
      return html`<rect class="${status.className}" x="${fmt(x0)}" y="${fmt(top)}" width="${fmt(w)}" height="${fmt(Math.max(0.5, bottom - top))}"/>`;
    });
    const span = `${compact((i * series.bucketMs) / 1000)}–${compact(((i + 1) * series.bucketMs) / 1000)} s`;
    return html`<g><title>${span}: ${parts.length === 0 ? 'nothing' : parts.join(', ')}</title>${rects}</g>`;
  });
}

/** A vertical moment (window end, sold out, drained) with its label on one of the two lines above the plot. */
function moment(at: number, line: 1 | 2, label: string, className: string, shared: Shared): Html {
  const x = plotLeft + shared.x.at(at) * (plotRight - plotLeft);
  const anchor = x > (plotLeft + plotRight) / 2 ? 'end' : 'start';
  const labelX = anchor === 'end' ? x + 3 : x - 3;
  const labelY = line === 1 ? 12 : 26;
  return html`<g class="moment ${className}">
<line x1="${fmt(x)}" x2="${fmt(x)}" y1="${labelY + 3}" y2="${plotBottom}"/>
<text x="${fmt(labelX)}" y="${labelY}" text-anchor="${anchor}">${label}</text>
</g>`;
}

function panelSvg(r: StrategyResult, shared: Shared): Html {
  const spike = r.spike;
  const id = `series-${r.strategy}`;
  if (spike === null) {
    return html`<svg class="series" viewBox="0 0 ${width} ${height}" role="img" aria-label="${id}: not measured"><text class="missing" x="${width / 2}" y="${height / 2}" text-anchor="middle">spike not measured</text></svg>`;
  }
  const { series } = spike;
  const yOf = (value: number): number => plotBottom - shared.y.at(value) * (plotBottom - plotTop);
  const xTicks = shared.x.ticks.map((tick) => {
    const x = fmt(plotLeft + shared.x.at(tick) * (plotRight - plotLeft));
    return html`<text class="tick" x="${x}" y="${plotBottom + 14}" text-anchor="middle">${compact(tick / 1000)}${tick === shared.x.ticks.at(-1) ? ' s' : ''}</text>`;
  });
  const yTicks = shared.y.ticks.map((tick) => {
    const y = fmt(yOf(tick));
    return html`<line class="grid" x1="${plotLeft}" x2="${plotRight}" y1="${y}" y2="${y}"/><text class="tick" x="${plotLeft - 5}" y="${fmt(yOf(tick) + 4)}" text-anchor="end">${compact(tick)}</text>`;
  });
  const offered = fmt(yOf(shared.rate));
  const offeredEnd = fmt(plotLeft + shared.x.at(shared.windowMs) * (plotRight - plotLeft));
  const moments = [
    moment(series.windowMs, 1, `arrivals end ${seconds(series.windowMs)}`, 'marker-window', shared),
    // The shown round's own moments, not the medians: the markers must belong to the bars under them.
    series.timeToSellOutMs === null ? null : moment(series.timeToSellOutMs, 2, `sold out ${seconds(Math.round(series.timeToSellOutMs / 100) * 100)}`, 'marker-sellout', shared),
    r.async && series.drainAfterMs !== null && series.drainAfterMs > 0
      ? moment(series.windowMs + series.drainAfterMs, 2, `drained +${seconds(Math.round(series.drainAfterMs / 100) * 100)}`, 'marker-drained', shared)
      : null,
  ];
  return html`<svg class="series" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title" preserveAspectRatio="xMinYMin meet">
<title id="${id}-title">${r.strategy}: answers per second by status over the flash sale</title>
${yTicks}
${columnsSvg(series, shared)}
<line class="offered" x1="${plotLeft}" x2="${offeredEnd}" y1="${offered}" y2="${offered}"/>
<line class="baseline" x1="${plotLeft}" x2="${plotRight}" y1="${plotBottom}" y2="${plotBottom}"/>
${xTicks}
${moments}
</svg>`;
}

function panel(r: StrategyResult, shared: Shared): Html {
  const spike = r.spike;
  const tags = strategyTags(r);
  const facts =
    spike === null
      ? null
      : [
          spike.verdict,
          spike.droppedIterations > 0 ? `${count(spike.droppedIterations)} dropped` : null,
          spike.outcomes.contended > 0 ? `${count(spike.outcomes.contended)} × 503` : null,
          spike.series.timeToSellOutMs === null ? 'did not sell out' : `sold out at ${ms(spike.series.timeToSellOutMs)} ms`,
        ]
          .filter((fact) => fact !== null)
          .join(' · ');
  return html`<figure class="multiple${!r.safe ? ' flagged' : ''}" data-chart="series-${r.strategy}" data-strategy="${r.strategy}">
<figcaption><strong>${r.strategy}</strong> ${tags}<span class="facts-line">${facts}</span></figcaption>
${panelSvg(r, shared)}
</figure>`;
}

/** Every strategy's spike over time, as small multiples under one heading and one legend. */
export function seriesGroup(report: Report): Html {
  const shared = sharedScales(report);
  const sizes = [...new Set(report.strategies.flatMap((r) => (r.spike === null ? [] : [r.spike.series.bucketMs])))];
  const bucketWords = sizes.length === 1 ? `${compact((sizes[0] ?? 0) / 1000)} s buckets` : 'time buckets';
  const legend: LegendItem[] = [
    ...statuses.map((s): LegendItem => ({ className: s.className, label: s.label, shape: 'bar' })),
    { className: 'marker-window', label: 'arrivals end', shape: 'line' },
    { className: 'marker-sellout', label: 'first 409 (sold out)', shape: 'line' },
    { className: 'marker-offered', label: `offered ${rate(shared.rate)}/s`, shape: 'line' },
  ];
  return html`<figure class="chart-figure series-group">
<figcaption><strong>Spike over time: answers per second by status</strong>Each strategy's flash sale in ${bucketWords}, stacked by status
(the run whose time to sell out was the median). Every panel has the same scales, 0–${compact(shared.x.max / 1000)} s across and
0–${compact(shared.y.max)} answers/s up, so heights and moments compare directly. Dropped arrivals sit hatched on top: offered, never sent.
Columns after the arrivals end are buyers still waiting for an answer.</figcaption>
${legendList(legend)}
<div class="multiples">${report.strategies.map((r) => panel(r, shared))}</div>
</figure>`;
}
