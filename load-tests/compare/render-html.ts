// The report as one self-contained HTML page: inline CSS, inline SVG charts
// drawn here in TypeScript, no script, no font, no image, no network. It opens
// from a CI artifact or an email attachment exactly as it was rendered.
import { barChartSvg } from './html/bar-chart.js';
import { chartSpecs, type ChartSpec } from './html/charts.js';
import { Html, html } from './html/escape.js';
import { styles } from './html/styles.js';
import { ceilingsTable, checksList, strategiesTable } from './html/tables.js';
import { elapsed, utcMinute } from './report-format.js';
import { runFacts } from './report-table.js';
import type { Report } from './report-types.js';

// Hatching for the naive baseline's oversold bar; defined once for every chart on the page.
// Not display:none: Firefox does not paint patterns defined in an undisplayed SVG.
const patterns = html`<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>
<pattern id="hatch-unsafe" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#fecaca"/><rect width="3" height="6" fill="#b91c1c"/></pattern></defs></svg>`;

function figure(spec: ChartSpec): Html {
  const legend = spec.legend.map(
    (item) => html`<li><span class="swatch ${item.shape === 'line' ? 'line ' : ''}${item.className}" aria-hidden="true"></span>${item.label}</li>`,
  );
  return html`<figure class="chart-figure" data-chart="${spec.name}">
<figcaption><strong>${spec.heading}</strong>${spec.caption}</figcaption>
<ul class="legend" aria-label="legend">${legend}</ul>
${barChartSvg(spec.chart)}
</figure>`;
}

function header(report: Report): Html {
  const facts = runFacts(report);
  const passed = report.checks.filter((check) => check.ok).length;
  const allPassed = passed === report.checks.length;
  const took = elapsed(report.startedAt, report.finishedAt);
  return html`<header>
<h1>Flash-sale inventory: strategy comparison</h1>
<p class="subtitle">${utcMinute(report.startedAt)}${took === null ? null : ` · took ${took}`}
<span class="summary ${allPassed ? 'pass' : 'fail'}">${passed}/${report.checks.length} checks passed</span></p>
<dl class="facts">
<dt>Command</dt><dd><code>${report.command}</code></dd>
<dt>Machine</dt><dd>${facts.machine}</dd>
<dt>Software</dt><dd>${facts.versions}</dd>
<dt>Load</dt><dd>${facts.settings}</dd>
<dt>Strategies</dt><dd>${report.settings.strategies.join(', ')}</dd>
</dl>
</header>`;
}

export function renderHtml(report: Report): string {
  const page = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Strategy comparison, ${utcMinute(report.startedAt)}</title>
<style>${new Html(styles)}</style>
</head>
<body>
${patterns}
<main>
${header(report)}
<section aria-labelledby="checks"><h2 id="checks">Checks</h2>${checksList(report.checks)}</section>
<section aria-labelledby="results"><h2 id="results">Strategies</h2>${strategiesTable(report)}</section>
<section aria-labelledby="ceilings"><h2 id="ceilings">Ceilings: one operation alone, same machine, same run</h2>${ceilingsTable(report)}</section>
<section aria-labelledby="charts"><h2 id="charts">Charts</h2>${chartSpecs(report).map(figure)}</section>
<footer>Rendered by <code>npm run compare</code> from report.json. Self-contained: no script, font or network request.</footer>
</main>
</body>
</html>
`;
  return page.markup;
}
