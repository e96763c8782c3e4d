// The report as GitHub markdown: printed at the end of `npm run compare` and
// pasted into the README, so every line must survive both.
import { utcMinute } from './report-format.js';
import { ceilingRows, runFacts, strategyColumns } from './report-table.js';
import type { Report } from './report-types.js';

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
  const rows = ceilingRows(report.ceilings).map((row) => [
    row.name,
    row.figure,
    row.p50,
    row.p95,
    row.command === null ? row.notes : `${row.notes}: ${code(row.command)}`,
  ]);
  return table(['ceiling', 'rate', 'p50 ms', 'p95 ms', 'how'], [false, true, true, true, false], rows);
}

function strategiesTable(report: Report): string[] {
  const rows = report.strategies.map((result) => strategyColumns.map((column) => column.cell(result)));
  return table(
    strategyColumns.map((column) => column.header),
    strategyColumns.map((column) => column.numeric),
    rows,
  );
}

export function renderMarkdown(report: Report): string {
  const facts = runFacts(report);
  const passed = report.checks.filter((check) => check.ok).length;
  const lines = [
    `### Strategy comparison, ${utcMinute(report.startedAt)}: ${code(report.command)} on ${cell(facts.machine)}`,
    '',
    `${facts.settings}. ${facts.versions}.`,
    '',
    '**Ceilings** (one operation alone, same machine, same run):',
    '',
    ...ceilingsTable(report),
    '',
    '**Strategies**:',
    '',
    ...strategiesTable(report),
    '',
    // The legend keeps the header row short enough to read on a terminal.
    '× HTTP: ratio to the no-op HTTP ceiling (closed loop). × store: ratio to the single-key ceiling of the store ' +
      'the strategy deducts in. `–`: not measured, or never sold out. naive is the unsafe baseline: it is meant to oversell.',
    '',
    `**Checks** (${passed}/${report.checks.length} passed):`,
    '',
    ...report.checks.map((check) => `- ${check.ok ? '✓' : '✗'} ${check.name}: ${check.detail}`),
  ];
  return `${lines.join('\n')}\n`;
}
