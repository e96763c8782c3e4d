// The HTML tables and the checks: the same cells as the markdown (report-table.ts),
// plus what only a page can do: links to the k6 dashboards, flags, tooltips.
import { NONE } from '../report-format.js';
import { ceilingRows, storeLabel, strategyColumns } from '../report-table.js';
import type { Check, Report, StrategyResult } from '../report-types.js';
import { html, relativeHref, type Html } from './escape.js';

/** A link to a k6 dashboard export beside the report, or a dash when there is none (or it is not a relative path). */
export function dashboardLink(path: string | null, label: string): Html {
  const href = path === null ? null : relativeHref(path);
  return href === null ? html`<span aria-label="no dashboard">${NONE}</span>` : html`<a href="${href}">${label}</a>`;
}

function strategyCell(result: StrategyResult): Html {
  const tags = [
    result.strategy === 'naive' ? html`<span class="tag unsafe">unsafe baseline</span>` : null,
    result.async ? html`<span class="tag async">async</span>` : null,
  ];
  // Tags on their own line keep the sticky name column narrow.
  return html`<td><strong>${result.strategy}</strong>${tags.some((tag) => tag !== null) ? html`<br>${tags}` : null}</td>`;
}

/** A safe strategy that oversold is the one figure nobody may miss. */
const isAlarm = (result: StrategyResult, header: string): boolean =>
  header === 'oversold' && result.strategy !== 'naive' && (result.oversoldUnits ?? 0) > 0;

/** `req/s (× HTTP)` → `req/s` over `(× HTTP)`, `p95 ms` → `p95` over `ms`: headers break where they read well, nowhere else. */
function headerLines(header: string): Html {
  const split = /^(.+?) (\(.*\)|ms)$/.exec(header);
  return split === null ? html`${header}` : html`${split[1]}<br>${split[2]}`;
}

export function strategiesTable(report: Report): Html {
  const head = strategyColumns.map(
    (column) => html`<th scope="col" class="${column.numeric ? 'num' : ''}" title="${column.meaning}">${headerLines(column.header)}</th>`,
  );
  const rows = report.strategies.map((result) => {
    const cells = strategyColumns.slice(1).map((column) => {
      const classes = [column.numeric ? 'num' : '', isAlarm(result, column.header) ? 'bad' : ''].filter((c) => c !== '').join(' ');
      // The async tag beside the name already says "(async)"; the store alone keeps the column narrow.
      const text = column.header === 'deducts in' ? storeLabel[result.store] : column.cell(result);
      return html`<td class="${classes}">${text}</td>`;
    });
    return html`<tr data-strategy="${result.strategy}" class="${result.strategy === 'naive' ? 'flagged' : ''}">${strategyCell(result)}${cells}<td>${dashboardLink(result.dashboard, 'open')}</td></tr>`;
  });
  const terms = strategyColumns.map((column) => html`<dt>${column.header}</dt><dd>${column.meaning}</dd>`);
  return html`<div class="table-wrap"><table class="strategies">
<thead><tr>${head}<th scope="col" title="k6 web dashboard export of this strategy's run">k6</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>
<p class="note">× HTTP: ratio to the no-op HTTP ceiling (closed loop). × store: ratio to the single-key ceiling of the store the strategy deducts in. ${NONE}: not measured, or never sold out.</p>
<details><summary>What each column means</summary><dl>${terms}</dl></details>`;
}

export function ceilingsTable(report: Report): Html {
  const rows = ceilingRows(report.ceilings).map(
    (row) => html`<tr><td>${row.name}</td><td class="num"><strong>${row.figure}</strong></td><td class="num">${row.p50}</td><td class="num">${row.p95}</td>
<td>${row.notes}${row.command === null ? null : html`<br><code>${row.command}</code>`}</td><td>${dashboardLink(row.dashboard, 'dashboard')}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="ceilings">
<thead><tr><th scope="col">ceiling</th><th scope="col" class="num">rate</th><th scope="col" class="num">p50 ms</th><th scope="col" class="num">p95 ms</th><th scope="col">how</th><th scope="col">k6</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

export function checksList(checks: Check[]): Html {
  const items = checks.map(
    (check) =>
      html`<li class="${check.ok ? 'pass' : 'fail'}"><span class="badge ${check.ok ? 'pass' : 'fail'}">${check.ok ? '✓ pass' : '✗ fail'}</span><strong>${check.name}</strong>: ${check.detail}</li>`,
  );
  return html`<ul class="checks">${items}</ul>`;
}
