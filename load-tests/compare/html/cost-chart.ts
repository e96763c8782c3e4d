// Where a sale's CPU goes: one stacked horizontal bar per strategy, a segment
// per part (API, worker, PostgreSQL, Redis, Kafka, etcd), in CPU ms per answer
// of the selling phase. k6, the buyers, is left out: it is not the system.
import { costParts } from '../report-cost.js';
import type { Report } from '../report-types.js';
import { html } from './escape.js';
import type { Figure } from './figure.js';

const width = 800;
const plotLeft = 150;
const plotRight = 690;
const rowHeight = 26;
const barHeight = 16;
const fmt = (n: number): string => String(Math.round(n * 10) / 10);

export function costFigure(report: Report): Figure {
  const rows = report.strategies.map((r) => ({ strategy: r.strategy, parts: costParts.map((part) => ({ part, ms: r.cost.selling?.cpuMsPerAnswer[part] ?? 0 })), measured: r.cost.selling !== null }));
  const widest = Math.max(0.001, ...rows.map((row) => row.parts.reduce((sum, p) => sum + p.ms, 0)));
  const xOf = (ms: number): number => (ms / widest) * (plotRight - plotLeft);
  const svgRows = rows.map((row, index) => {
    const top = 8 + index * rowHeight;
    let x = plotLeft;
    const segments = row.parts.map(({ part, ms }) => {
      const w = xOf(ms);
      const rect = html`<rect class="cost-${part}" data-strategy="${row.strategy}" x="${fmt(x)}" y="${top}" width="${fmt(w)}" height="${barHeight}"><title>${row.strategy}: ${part} ${ms.toFixed(3)} ms per answer</title></rect>`;
      x += w;
      return rect;
    });
    const total = row.parts.reduce((sum, p) => sum + p.ms, 0);
    return html`<g class="row" data-strategy="${row.strategy}">
<text class="name" x="${plotLeft - 10}" y="${top + 12}" text-anchor="end">${row.strategy}</text>
${segments}
<text class="value${row.measured ? '' : ' muted missing'}" x="${fmt(x + 5)}" y="${top + 12}">${row.measured ? `${total.toFixed(2)} ms` : 'not measured'}</text>
</g>`;
  });
  const height = 16 + rows.length * rowHeight;
  return {
    name: 'cost',
    heading: "Where a sale's CPU goes. ",
    caption: 'CPU ms per answer of the selling phase, by part (k6, the buyers, left out); the projection scales the total over more cores.',
    legend: costParts.map((part) => ({ className: `cost-${part}`, label: part, shape: 'bar' as const })),
    body: html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="cost-title" preserveAspectRatio="xMinYMin meet">
<title id="cost-title">CPU ms per answer by part, selling</title>
${svgRows}
</svg>`,
  };
}
