import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chromiumPath, inspectReportHtml, installHint } from '../../load-tests/compare/inspect-html.js';
import { renderHtml } from '../../load-tests/compare/render-html.js';
import { renderMarkdown } from '../../load-tests/compare/render-markdown.js';
import { sampleReport } from '../helpers/sample-report.js';

const strategies = ['naive', 'redis-lock', 'redlock', 'redis-lua', 'pg-optimistic', 'pg-pessimistic', 'pg-atomic', 'kafka-queue', 'outbox'];
const charts = ['throughput', 'latency', 'oversold', 'sellout'];

/** The cells of a markdown table row; `\|` is a pipe inside a cell, not a separator. */
const cellsOf = (line: string): string[] =>
  line
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((cell) => cell.trim());

/** The strategies table: the block of `|` lines whose header starts with `strategy`. */
function strategyTable(markdown: string): { header: string[]; rows: string[][] } {
  const lines = markdown.split('\n');
  const start = lines.findIndex((line) => line.startsWith('| strategy |'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  const [header = '', , ...rows] = lines.slice(start, end);
  return { header: cellsOf(header), rows: rows.map(cellsOf) };
}

describe('renderMarkdown', () => {
  it('prints one row per strategy, every row as wide as the header', () => {
    const { header, rows } = strategyTable(renderMarkdown(sampleReport()));
    expect(rows.map((row) => row[0])).toEqual(strategies);
    for (const row of rows) expect(row).toHaveLength(header.length);
  });

  it('shows – for a figure that was not measured, never 0', () => {
    const markdown = renderMarkdown(sampleReport({ missingCeiling: 'postgres' }));
    const { header, rows } = strategyTable(markdown);
    const column = (name: string): number => header.indexOf(name);
    const redlock = rows.find((row) => row[0] === 'redlock') ?? [];
    expect(redlock[column('sold out at ms')]).toBe('–');
    expect(redlock[column('undersold')]).toBe('140');
    expect(redlock[column('confirmed/s (× store)')]).toBe('486'); // no PostgreSQL ceiling, so no ratio
    const kafka = rows.find((row) => row[0] === 'kafka-queue') ?? [];
    expect(kafka[column('confirm p95 ms')]).toBe('182');
    expect(rows.find((row) => row[0] === 'pg-atomic')?.[column('confirm p95 ms')]).toBe('–');
    expect(markdown).toMatch(/\| PostgreSQL hot-row UPDATE \| not measured \| – \| – \|/);
  });

  it('keeps the table intact when a name holds a pipe', () => {
    const { header, rows } = strategyTable(renderMarkdown(sampleReport({ renameStrategy: { from: 'outbox', to: 'out|box' } })));
    expect(rows.at(-1)?.[0]).toBe('out\\|box');
    expect(rows.at(-1)).toHaveLength(header.length);
  });
});

describe('renderHtml escaping', () => {
  const hostile = sampleReport({
    renameStrategy: { from: 'outbox', to: '<script>alert(1)</script>" onmouseover="alert(2)' },
    command: 'npm run compare -- --only "</code><script>alert(3)</script>"',
  });

  it('puts no markup from the data into the page', () => {
    const first = hostile.strategies[0];
    if (first !== undefined) first.dashboard = 'javascript:alert(4)';
    const page = renderHtml(hostile);
    expect(page).not.toMatch(/<script/i); // the page has no script of its own either
    expect(page).not.toContain('onmouseover="');
    expect(page).not.toContain('javascript:');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)');
    expect(page).toContain('&lt;/code&gt;&lt;script&gt;alert(3)');
  });

  it('links nothing outside the report folder', () => {
    const page = renderHtml(sampleReport());
    const targets = Array.from(page.matchAll(/\b(?:href|src)="([^"]*)"/g), (match) => match[1]);
    expect(targets).toContain('dashboards/naive.html');
    for (const target of targets) expect(target).not.toMatch(/^([a-z][a-z0-9+.-]*:|\/\/)/i);
  });

  it('says "not measured" for a missing ceiling and "did not sell out" for redlock', () => {
    const page = renderHtml(sampleReport({ missingCeiling: 'redis' }));
    expect(page).toContain('not measured');
    expect(page).toContain('did not sell out');
  });
});

describe('HTML report in headless Chromium', () => {
  it('renders every strategy and chart offline, without errors', async () => {
    if (chromiumPath() === undefined) throw new Error(`Chromium is not installed (/usr/bin/chromium): ${installHint}`);
    const dir = await mkdtemp(join(tmpdir(), 'report-html-'));
    try {
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtml(sampleReport()));
      const seen = await inspectReportHtml(file);
      expect(seen.strategies.toSorted()).toEqual(strategies.toSorted());
      for (const chart of charts) expect(seen.charts).toContain(chart);
      expect(seen.svgCount).toBeGreaterThanOrEqual(charts.length);
      expect(seen.consoleErrors, 'console errors and page errors').toEqual([]);
      expect(seen.failedRequests, 'requests other than file:, data:, about:').toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
