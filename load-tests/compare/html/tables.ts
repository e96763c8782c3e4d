// The HTML tables and the checks: the same cells as the markdown (report-table.ts),
// plus what only a page can do: links to the k6 dashboards, flags, tooltips.
import { NONE } from '../report-format.js';
import { ceilingRows } from '../report-facts.js';
import { storeLabel, type Cell, type Table } from '../report-table.js';
import type { Check, Report, StrategyResult, Target } from '../report-types.js';
import { html, relativeHref, type Html } from './escape.js';

/** A link to a k6 dashboard export beside the report, or a dash when there is none (or it is not a relative path). */
export function dashboardLink(path: string | null, label: string): Html {
  const href = path === null ? null : relativeHref(path);
  return href === null ? html`<span aria-label="no dashboard">${NONE}</span>` : html`<a href="${href}">${label}</a>`;
}

export function strategyTags(result: StrategyResult): Html[] {
  return [
    ...(result.safe ? [] : [html`<span class="tag unsafe">unsafe baseline</span>`]),
    ...(result.async ? [html`<span class="tag async">async</span>`] : []),
  ];
}

function strategyCell(result: StrategyResult): Html {
  const tags = strategyTags(result);
  // Tags on their own line keep the sticky name column narrow.
  return html`<td><strong>${result.strategy}</strong>${tags.length > 0 ? html`<br>${tags}` : null}</td>`;
}

/** `selling/s (× HTTP, store, fastest)` → `selling/s` over `(× HTTP, store, fastest)`, `p95 ms` → `p95` over `ms`: headers break where they read well. */
function headerLines(header: string): Html {
  const split = /^(.+?) (\(.*\)|ms)$/.exec(header);
  return split === null ? html`${header}` : html`${split[1]}<br>${split[2]}`;
}

/** The figure, then its min–max and its ratios or notes smaller, each on a line of its own. */
const cellBody = (cell: Cell): Html =>
  html`${cell.figure}${cell.range === null ? null : html`<br><span class="range">${cell.range}</span>`}${cell.detail === null ? null : html`<br><span class="detail">${cell.detail}</span>`}`;

export interface LinkColumn {
  header: string;
  meaning: string;
  path: (result: StrategyResult) => string | null;
}

/** One of the strategies' tables (capacity, curve, spike), with its legend and column meanings. */
export function strategiesTable(report: Report, table: Table, className: string, link?: LinkColumn): Html {
  const [, ...columns] = table.columns;
  const head = table.columns.map(
    (column) => html`<th scope="col" class="${column.numeric ? 'num' : ''}" title="${column.meaning}">${headerLines(column.header)}</th>`,
  );
  const rows = report.strategies.map((result) => {
    const cells = columns.map((column) => {
      const classes = [column.numeric ? 'num' : '', column.alarm?.(result) === true ? 'bad' : ''].filter((c) => c !== '').join(' ');
      // The tags beside the name already say async/unsafe; the store alone keeps the column narrow.
      const cell = column.header === 'deducts in' ? { figure: storeLabel[result.store], range: null, detail: null } : column.cell(result);
      return html`<td class="${classes}">${cellBody(cell)}</td>`;
    });
    const linkCell = link === undefined ? null : html`<td>${dashboardLink(link.path(result), 'open')}</td>`;
    return html`<tr data-strategy="${result.strategy}" class="${result.safe ? '' : 'flagged'}">${strategyCell(result)}${cells}${linkCell}</tr>`;
  });
  const terms = table.columns.map((column) => html`<dt>${column.header}</dt><dd>${column.meaning}</dd>`);
  const linkHead = link === undefined ? null : html`<th scope="col" title="${link.meaning}">${link.header}</th>`;
  return html`<div class="table-wrap"><table class="strategies ${className}">
<thead><tr>${head}${linkHead}</tr></thead>
<tbody>${rows}</tbody>
</table></div>
<p class="note">${table.legend}</p>
<details><summary>What each column means</summary><dl>${terms}</dl></details>`;
}

export function ceilingsTable(report: Report): Html {
  const rows = ceilingRows(report.ceilings, report.settings.repeat).map(
    (row) => html`<tr><td>${row.name}</td><td class="num"><strong>${row.figure}</strong></td><td class="num">${row.p50}</td><td class="num">${row.p95}</td>
<td>${row.notes}${row.command === null ? null : html`<br><code>${row.command}</code>`}</td><td>${dashboardLink(row.dashboard, 'dashboard')}</td></tr>`,
  );
  return html`<div class="table-wrap"><table class="ceilings">
<thead><tr><th scope="col">ceiling</th><th scope="col" class="num">rate</th><th scope="col" class="num">p50 ms</th><th scope="col" class="num">p95 ms</th><th scope="col">how</th><th scope="col">k6</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

/** The goals the issues set, as the run measured them: ✓ reached, ✗ not, ? a figure missing. */
export function targetsList(targets: Target[]): Html {
  const items = targets.map((target) => {
    const state = target.met === null ? 'unknown' : target.met ? 'pass' : 'fail';
    return html`<li class="${state}"><span class="badge ${state}">${target.met === null ? '? unknown' : target.met ? '✓ met' : '✗ not met'}</span><strong>${target.name}</strong> (issue ${String(target.issue)}): ${target.detail}</li>`;
  });
  return html`<p>Goals the issues set, as this run measured them. Not checks: one run on this shared machine is a reading, not a verdict.</p><ul class="checks">${items}</ul>`;
}

export function checksList(checks: Check[]): Html {
  const items = checks.map(
    (check) =>
      html`<li class="${check.ok ? 'pass' : 'fail'}"><span class="badge ${check.ok ? 'pass' : 'fail'}">${check.ok ? '✓ pass' : '✗ fail'}</span><strong>${check.name}</strong>: ${check.detail}</li>`,
  );
  return html`<ul class="checks">${items}</ul>`;
}
