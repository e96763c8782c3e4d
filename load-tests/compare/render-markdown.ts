// The report as GitHub markdown: printed at the end of `npm run compare` and
// pasted into the README, so every line must survive both.
import { utcMinute } from './report-format.js';
import { ceilingRows, runFacts } from './report-facts.js';
import { capacityTable, cellText, curveTable, spikeTable, type Table } from './report-table.js';
import { costTable, processesTable, projectionTable } from './report-cost.js';
import type { Report } from './report-types.js';
import { reservationRows } from './reservations.js';
import { waitingRoomRows } from './waiting-room.js';

/**
 * A table cell: a `|` would split the cell (GFM splits on it even inside code,
 * and renders `\|` as `|` there too), a newline would end the table.
 */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}

/** Inline code that stays code whatever backticks the text holds (a longer fence than any run inside). */
function code(text: string): string {
  const longestRun = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

function table(headers: string[], rightAligned: boolean[], rows: string[][]): string[] {
  const line = (cells: string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  const rule = `|${rightAligned.map((right) => (right ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)];
}

function ceilingsTable(report: Report): string[] {
  const rows = ceilingRows(report.ceilings, report.settings.repeat).map((row) => [
    row.name,
    row.figure,
    row.p50,
    row.p95,
    row.command === null ? row.notes : `${row.notes}: ${code(row.command)}`,
  ]);
  return table(['ceiling', 'rate', 'p50 ms', 'p95 ms', 'how'], [false, true, true, true, false], rows);
}

/** A strategies table and its legend (kept under the table so the header row stays short enough for a terminal). */
function strategiesTable(report: Report, { columns, legend }: Table): string[] {
  const rows = report.strategies.map((result) => columns.map((column) => cellText(column.cell(result))));
  return [
    ...table(
      columns.map((column) => column.header),
      columns.map((column) => column.numeric),
      rows,
    ),
    '',
    cell(legend),
  ];
}

/** The reservation phase, when it ran: one row per figure. */
function reservationsSection(report: Report): string[] {
  const run = report.reservations;
  if (run === null) return [];
  const head = ['', '**Reservations** (strategy reserve: buyers hold, some pay, the rest let holds lapse; one run):', ''];
  if (run.digest === null) return [...head, `No figures: ${cell(run.failure ?? 'the phase did not run')}.`];
  return [...head, ...table(['', 'units or answers', 'meaning'], [false, true, false], reservationRows(run.digest))];
}

/** The waiting-room phase, when it ran: the same crowd with the room and without, side by side. */
function waitingRoomSection(report: Report): string[] {
  const run = report.waitingRoom;
  if (run === null) return [];
  const head = ['', `**Waiting room** (${run.strategy}: the same crowd through the SKU's waiting room, and straight at the purchase route; one run):`, ''];
  if (run.room.digest === null && run.direct.digest === null) return [...head, `No figures: ${cell(run.room.failure ?? run.direct.failure ?? 'the phase did not run')}.`];
  return [...head, ...table(['', 'waiting room', 'no room', 'meaning'], [false, true, true, false], waitingRoomRows(run.room.digest, run.direct.digest))];
}

/** Strategies that ran fewer times than asked: their medians rest on fewer runs. */
function shortRuns(report: Report): string[] {
  const short = report.strategies.filter((r) => r.runs < report.settings.repeat);
  if (short.length === 0) return [];
  return ['', `Fewer runs than asked (${report.settings.repeat}): ${short.map((r) => `${cell(r.strategy)} ${r.runs}`).join(', ')}.`];
}

/** --processes, when it ran. */
function processesSection(report: Report): string[] {
  const measured = processesTable(report);
  return measured === null ? [] : ['', '**API processes** (capacity at each process count, one port, same run):', '', ...strategiesTable(report, measured)];
}

export function renderMarkdown(report: Report): string {
  const facts = runFacts(report);
  const passed = report.checks.filter((check) => check.ok).length;
  const lines = [
    `### Strategy comparison, ${utcMinute(report.startedAt)}: ${code(report.command)} on ${cell(facts.machine)}`,
    '',
    `${cell(facts.versions)}.`,
    '',
    ...facts.phases.map((phase) => `- **${phase.label}**: ${cell(phase.text)}.`),
    '',
    '**Ceilings** (one operation alone, same machine, same run):',
    '',
    ...ceilingsTable(report),
    '',
    '**Capacity** (closed loop: selling, and refusing on a sold-out SKU):',
    '',
    ...strategiesTable(report, capacityTable(report)),
    ...shortRuns(report),
    '',
    '**Contention curve** (selling, closed loop, sales/s / p95 per number of buyers):',
    '',
    ...strategiesTable(report, curveTable(report)),
    '',
    '**Spike** (open model flash sale):',
    '',
    ...strategiesTable(report, spikeTable(report)),
    ...reservationsSection(report),
    ...waitingRoomSection(report),
    '',
    '**Cost per answer** (selling; CPU ms by part, then the stores\' work):',
    '',
    ...strategiesTable(report, costTable(report)),
    '',
    '**Projection** (computed from the cost, not measured: sales/s on one hot SKU, and what binds it):',
    '',
    ...strategiesTable(report, projectionTable(report)),
    ...processesSection(report),
    '',
    `**Checks** (${passed}/${report.checks.length} passed):`,
    '',
    ...report.checks.map((check) => `- ${check.ok ? '✓' : '✗'} ${cell(check.name)}: ${cell(check.detail)}`),
    '',
    '**Targets** (goals the issues set, as this run measured them; not checks: one run on this machine is a reading):',
    '',
    ...report.targets.map((target) => `- ${target.met === null ? '?' : target.met ? '✓' : '✗'} ${cell(target.name)} (issue ${target.issue}): ${cell(target.detail)}`),
  ];
  return `${lines.join('\n')}\n`;
}
