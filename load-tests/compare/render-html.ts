// The report as one self-contained HTML page: inline CSS, inline SVG charts
// drawn here in TypeScript, no script, no font, no image, no network. It opens
// from a CI artifact or an email attachment exactly as it was rendered.
import { capacityFigures, spikeFigures } from './html/charts.js';
import { costFigure } from './html/cost-chart.js';
import { curveFigures } from './html/curve-chart.js';
import { Html, html } from './html/escape.js';
import { figureHtml } from './html/figure.js';
import { seriesGroup } from './html/series-chart.js';
import { styles } from './html/styles.js';
import { ceilingsTable, checksList, strategiesTable, targetsList } from './html/tables.js';
import { elapsed, utcMinute } from './report-format.js';
import { runFacts } from './report-facts.js';
import { capacityTable, curveTable, spikeTable } from './report-table.js';
import { costTable, processesTable, projectionTable } from './report-cost.js';
import type { Report } from './report-types.js';
import { reservationRows } from './reservations.js';
import { waitingRoomRows } from './waiting-room.js';

// Hatching for the unsafe baseline's oversold bar and for dropped arrivals; defined once for every chart on the page.
// Not display:none: Firefox does not paint patterns defined in an undisplayed SVG.
const patterns = html`<svg width="0" height="0" style="position:absolute" aria-hidden="true" focusable="false"><defs>
<pattern id="hatch-unsafe" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="6" height="6" fill="#fecaca"/><rect width="3" height="6" fill="#b91c1c"/></pattern>
<pattern id="hatch-dropped" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
<rect width="5" height="5" fill="#f3e8ff"/><rect width="2" height="5" fill="#7e22ce"/></pattern></defs></svg>`;

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
${facts.phases.map((phase) => html`<dt>${phase.label}</dt><dd>${phase.text}</dd>`)}
<dt>Strategies</dt><dd>${report.settings.strategies.join(', ')}</dd>
</dl>
</header>`;
}

function section(id: string, title: string, ...body: Array<Html | Html[]>): Html {
  return html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}</section>`;
}

/** The reservation phase, when it ran. */
function reservationsSection(report: Report): Html | null {
  const run = report.reservations;
  if (run === null) return null;
  const title = 'Reservations: hold, then pay or let lapse (strategy reserve, one run)';
  if (run.digest === null) return section('reservations', title, html`<p class="note">No figures: ${run.failure ?? 'the phase did not run'}</p>`);
  const rows = reservationRows(run.digest).map(([label, figure, meaning]) => html`<tr><th scope="row">${label}</th><td class="num"><strong>${figure}</strong></td><td>${meaning}</td></tr>`);
  return section('reservations', title, html`<div class="table-wrap"><table class="reservations"><tbody>${rows}</tbody></table></div>`);
}

/** The waiting-room phase, when it ran: the same crowd with the room and without. */
function waitingRoomSection(report: Report): Html | null {
  const run = report.waitingRoom;
  if (run === null) return null;
  const title = `Waiting room: the same crowd through the room and without (${run.strategy}, one run)`;
  if (run.room.digest === null && run.direct.digest === null) return section('waiting-room', title, html`<p class="note">No figures: ${run.room.failure ?? run.direct.failure ?? 'the phase did not run'}</p>`);
  const rows = waitingRoomRows(run.room.digest, run.direct.digest).map(
    ([label, room, direct, meaning]) => html`<tr><th scope="row">${label}</th><td class="num"><strong>${room}</strong></td><td class="num"><strong>${direct}</strong></td><td>${meaning}</td></tr>`,
  );
  const head = html`<thead><tr><th scope="col"></th><th scope="col">waiting room</th><th scope="col">no room</th><th scope="col">meaning</th></tr></thead>`;
  return section('waiting-room', title, html`<div class="table-wrap"><table class="reservations">${head}<tbody>${rows}</tbody></table></div>`);
}

/** --processes, when it ran. */
function processesHtml(report: Report): Html | null {
  const measured = processesTable(report);
  return measured === null ? null : section('processes', 'API processes: capacity at each process count, same run', strategiesTable(report, measured, 'processes'));
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
${section('checks', 'Checks', checksList(report.checks))}
${section('targets', 'Targets', targetsList(report.targets))}
${section('ceilings', 'Ceilings: one operation alone, same machine, same run', ceilingsTable(report))}
${section('capacity', 'Capacity: closed loop, selling and refusing', strategiesTable(report, capacityTable(report), 'capacity'), capacityFigures(report).map(figureHtml))}
${section('curve', 'Contention curve: selling as buyers grow', strategiesTable(report, curveTable(report), 'curve'), curveFigures(report).map(figureHtml))}
${section(
  'spike',
  'Spike: the flash sale, open model',
  strategiesTable(report, spikeTable(report), 'spike', {
    header: 'k6',
    meaning: "k6 web dashboard export of this strategy's spike",
    path: (result) => result.spike?.dashboard ?? null,
  }),
  seriesGroup(report),
  spikeFigures(report).map(figureHtml),
)}
${reservationsSection(report)}
${waitingRoomSection(report)}
${section('cost', 'Cost per answer: what each part spent', strategiesTable(report, costTable(report), 'cost'), figureHtml(costFigure(report)))}
${section('projection', 'Projection: one hot SKU on more cores (computed, not measured)', strategiesTable(report, projectionTable(report), 'projection'))}
${processesHtml(report)}
<footer>Rendered by <code>npm run compare</code> from report.json. Self-contained: no script, font or network request.</footer>
</main>
</body>
</html>
`;
  return page.markup;
}
