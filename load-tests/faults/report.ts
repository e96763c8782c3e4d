// report.json (everything: every check with its detail, every measure) and
// report.md (the scenario × strategy table, then one line per failed check).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from './run.js';
import type { Scenario } from './scenarios.js';

export interface FaultReport {
  schemaVersion: 1;
  startedAt: string;
  finishedAt: string;
  durationS: number;
  command: string;
  quick: boolean;
  /** The runner's scheduling priority (see priority.ts). */
  runner: string;
  scenarios: Array<{ name: string; what: string; bounded: boolean }>;
  results: RunResult[];
  summary: { runs: number; pass: number; fail: number; reported: number; error: number };
}

const seconds = (ms: number | null | undefined): string => (ms === null || ms === undefined ? '–' : (ms / 1000).toFixed(1));
const count = (record: Record<string, number> | undefined, ...keys: string[]): number => keys.reduce((sum, key) => sum + (record?.[key] ?? 0), 0);

function otherAttempts(record: Record<string, number>): number {
  const known = ['201', '202', '409 sold_out', '503 contended', '503 dependency_unavailable'];
  return Object.entries(record).reduce((sum, [key, n]) => sum + (known.includes(key) ? 0 : n), 0);
}

export function tableRows(results: RunResult[]): string[][] {
  return results.map((r) => {
    const m = r.measures;
    const attempts = m?.attempts ?? {};
    return [
      r.scenario,
      r.strategy,
      r.verdict,
      r.verdict === 'error' ? (r.error ?? '') : r.failed.join(', ') || '–',
      seconds(m?.recoveryMs),
      seconds(m?.consistentAfterMs),
      m === null ? '–' : `${m.shed.p50Ms ?? '–'} / ${m.shed.p95Ms ?? '–'}`,
      String(count(attempts, '201')),
      String(count(attempts, '202')),
      String(count(attempts, '409 sold_out')),
      String(m?.shed.count ?? 0),
      String(otherAttempts(attempts)),
      String(m?.finals.unfinished ?? 0),
    ];
  });
}

export const tableHeader = ['scenario', 'strategy', 'verdict', 'failed', 'recovery s', 'consistent s', '503 p50/p95 ms', '201', '202', '409 sold out', '503', 'other', 'unfinished keys'];

export function renderMarkdown(report: FaultReport): string {
  const lines = [
    `# npm run faults${report.quick ? ' --quick' : ''}`,
    '',
    `${report.startedAt} to ${report.finishedAt} (${Math.round(report.durationS)} s): ${report.summary.pass} pass, ${report.summary.fail} fail, ${report.summary.error} error, ${report.summary.reported} reported (unsafe baseline). Command: \`${report.command}\`; ${report.runner}.`,
    '',
    'Counts are attempts (every answer, retries included); "unfinished keys" ran out of retries without a final answer.',
    '"recovery s": fault undone → first final answer after it; "consistent s": fault undone → audit consistent and settled.',
    '',
    `| ${tableHeader.join(' | ')} |`,
    `| ${tableHeader.map(() => '---').join(' | ')} |`,
    ...tableRows(report.results).map((row) => `| ${row.join(' | ')} |`),
    '',
    '## By scenario and strategy',
    '',
    '✓ passed every check, ✗ failed the checks named, ◦ an unsafe baseline (reported, never failed); in brackets: recovery (fault undone → first final answer) and the p95 of its 503s.',
    '',
    renderGrid(report),
    '',
    '## Failed checks',
    '',
  ];
  if (report.results.every((r) => r.checks.every((c) => c.ok) && r.error === undefined)) lines.push('None.');
  for (const r of report.results) {
    for (const c of r.checks.filter((c) => !c.ok)) lines.push(`- ${r.scenario} × ${r.strategy}${r.verdict === 'reported' ? ' (reported, not failed)' : ''}: **${c.name}**: ${c.detail}`);
    if (r.error !== undefined) lines.push(`- ${r.scenario} × ${r.strategy}: **run error**: ${r.error}`);
  }
  lines.push('', '## Scenarios', '');
  for (const s of report.scenarios) lines.push(`- \`${s.name}\`: ${s.what}${s.bounded ? ' (503 p95 ≤ 1 s and no attempt held past 11 s are asserted)' : ''}`);
  const noted = report.results.filter((r) => r.notes.length > 0);
  if (noted.length > 0) {
    lines.push('', '## Notes', '');
    for (const r of noted) lines.push(`- ${r.scenario} × ${r.strategy}: ${r.notes.join('; ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** One cell of the scenario × strategy grid: the verdict, then (recovery s · 503 p95 ms) where measured. */
function gridCell(r: RunResult): string {
  if (r.verdict === 'error') return 'error';
  const mark = r.verdict === 'reported' ? `◦ ${r.failed.join(', ')}` : r.verdict === 'pass' ? '✓' : `✗ ${r.failed.join(', ')}`;
  const recovery = r.measures?.recoveryMs;
  const p95 = r.measures?.shed.p95Ms;
  const figures = [recovery === null || recovery === undefined ? undefined : `${seconds(recovery)} s`, p95 === null || p95 === undefined ? undefined : `${p95.toLocaleString('en-US')} ms`].filter((f) => f !== undefined);
  return figures.length > 0 ? `${mark.trim()} (${figures.join(' · ')})` : mark.trim();
}

/** Scenarios down, strategies across ('–' where a scenario does not apply): the table README shows. */
export function renderGrid(report: FaultReport): string {
  const strategies = [...new Set(report.results.map((r) => r.strategy))];
  const lines = [`| scenario | ${strategies.map((s) => `\`${s}\``).join(' | ')} |`, `|---|${strategies.map(() => '---').join('|')}|`];
  for (const scenario of report.scenarios) {
    const cells = strategies.map((strategy) => {
      const r = report.results.find((x) => x.scenario === scenario.name && x.strategy === strategy);
      return r === undefined ? '–' : gridCell(r);
    });
    if (cells.every((c) => c === '–')) continue;
    lines.push(`| \`${scenario.name}\` | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** A fixed-width table for the terminal. */
export function renderTable(results: RunResult[]): string {
  const rows = [tableHeader, ...tableRows(results)].map((row) => row.map((cell) => (cell.length > 60 ? `${cell.slice(0, 57)}...` : cell)));
  const widths = tableHeader.map((_, i) => Math.max(...rows.map((row) => row[i]?.length ?? 0)));
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

export function writeReport(dir: string, report: FaultReport): string {
  const markdown = renderMarkdown(report);
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), markdown);
  return markdown;
}

export function summarize(results: RunResult[]): FaultReport['summary'] {
  const n = (verdict: RunResult['verdict']): number => results.filter((r) => r.verdict === verdict).length;
  return { runs: results.length, pass: n('pass'), fail: n('fail'), reported: n('reported'), error: n('error') };
}

export function scenarioList(scenarios: Scenario[]): FaultReport['scenarios'] {
  return scenarios.map((s) => ({ name: s.name, what: s.what, bounded: s.bounded }));
}
