import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { curveSvg } from '../../load-tests/compare/html/curve-chart.js';
import { expectedCharts, htmlCheck } from '../../load-tests/compare/html-check.js';
import { chromiumPath, inspectReportHtml, installHint } from '../../load-tests/compare/inspect-html.js';
import { renderHtml } from '../../load-tests/compare/render-html.js';
import { renderMarkdown } from '../../load-tests/compare/render-markdown.js';
import type { Report } from '../../load-tests/compare/report-types.js';
import { sampleReport } from '../helpers/sample-report.js';

const strategies = ['naive', 'redis-lock', 'redlock', 'redis-lua', 'pg-optimistic', 'pg-pessimistic', 'pg-atomic', 'kafka-queue', 'outbox'];
const tables = ['Ceilings', 'Capacity', 'Contention curve', 'Spike'];

/** The cells of a markdown table row; `\|` is a pipe inside a cell, not a separator. */
const cellsOf = (line: string): string[] =>
  line
    .slice(2, -2)
    .split(/(?<!\\) \| /)
    .map((cell) => cell.trim());

/** The table under the bold heading `**<title>**`: header cells and body rows. */
function tableUnder(markdown: string, title: string): { header: string[]; rows: string[][] } {
  const lines = markdown.split('\n');
  const heading = lines.findIndex((line) => line.startsWith(`**${title}**`));
  const start = lines.findIndex((line, index) => index > heading && line.startsWith('|'));
  const end = lines.findIndex((line, index) => index > start && !line.startsWith('|'));
  if (heading < 0 || start < 0) throw new Error(`no table under **${title}**`);
  const [header = '', , ...rows] = lines.slice(start, end);
  return { header: cellsOf(header), rows: rows.map(cellsOf) };
}

/** One cell by strategy (first column) and header. */
function cell(markdown: string, title: string, strategy: string, column: string): string | undefined {
  const { header, rows } = tableUnder(markdown, title);
  const index = header.indexOf(column);
  if (index < 0) throw new Error(`no column ${column} in ${title}: ${header.join(' | ')}`);
  return rows.find((row) => row[0] === strategy)?.[index];
}

describe('renderMarkdown', () => {
  it('prints every table with every row as wide as its header, one row per strategy', () => {
    const markdown = renderMarkdown(sampleReport());
    for (const title of tables) {
      const { header, rows } = tableUnder(markdown, title);
      if (title !== 'Ceilings') expect(rows.map((row) => row[0]), title).toEqual(strategies);
      for (const row of rows) expect(row, `${title}: ${row[0] ?? ''}`).toHaveLength(header.length);
    }
    expect(tableUnder(markdown, 'Contention curve').header).toEqual(['strategy', '1 VU', '8 VUs', '32 VUs', '128 VUs']);
  });

  it('shows medians with their min–max over repeats, ratios as 0.13×', () => {
    const markdown = renderMarkdown(sampleReport());
    expect(cell(markdown, 'Capacity', 'pg-atomic', 'selling/s (× HTTP, store, fastest)')).toMatch(/^400 \(380–408\) · 0\.04× · 0\.13× · 0\.38×$/);
    expect(cell(markdown, 'Capacity', 'redis-lua', 'refusing/s (× HTTP, fastest)')).toMatch(/^1,300 \([\d,]+–[\d,]+\) · 0\.14× · 1\.00×$/);
    expect(cell(markdown, 'Capacity', 'kafka-queue', 'async drain/s (× PostgreSQL)')).toMatch(/^500 \(\d+–\d+\) · 0\.17×$/);
    expect(cell(markdown, 'Contention curve', 'pg-optimistic', '128 VUs')).toMatch(/^70 \(\d+–\d+\) \/ 2,300 \([\d,]+–[\d,]+\) ms · 0\.02× store · 6,100 × 503$/);
    expect(cell(markdown, 'Spike', 'redlock', '503')).toMatch(/^5,574 \([\d,]+–[\d,]+\)$/);
    // A safe strategy confirmed the stock in every run: no spread to show, so none printed.
    expect(cell(markdown, 'Spike', 'pg-atomic', '201')).toBe('1,000');
    expect(markdown).toContain('Medians of 3 runs');
  });

  it('prints plain figures for a single run', () => {
    const report = sampleReport();
    report.settings.repeat = 1;
    const markdown = renderMarkdown(report);
    expect(cell(markdown, 'Capacity', 'pg-atomic', 'selling/s (× HTTP, store, fastest)')).toBe('400 · 0.04× · 0.13× · 0.38×');
    expect(cell(markdown, 'Spike', 'redlock', 'dropped')).toBe('3,600');
    expect(markdown).toContain('ran once');
  });

  it('shows – for a figure that was not measured, never 0', () => {
    const report = sampleReport({ missingCeiling: 'postgres' });
    const kafka = report.strategies.find((r) => r.strategy === 'kafka-queue');
    if (kafka === undefined) throw new Error('no kafka-queue');
    kafka.curve = kafka.curve.filter((point) => point.vus !== 32);
    const markdown = renderMarkdown(report);
    // No PostgreSQL ceiling, so no ratio to it: its place says so rather than the others sliding over.
    expect(cell(markdown, 'Capacity', 'pg-atomic', 'selling/s (× HTTP, store, fastest)')).toBe('400 (380–408) · 0.04× · – · 0.38×');
    expect(cell(markdown, 'Capacity', 'kafka-queue', 'async drain/s (× PostgreSQL)')).toMatch(/^500 \(\d+–\d+\) · –$/);
    expect(cell(markdown, 'Capacity', 'pg-atomic', 'async drain/s (× PostgreSQL)')).toBe('–');
    // A missing curve point is a dash in its own column; the next point does not slide into it.
    expect(cell(markdown, 'Contention curve', 'kafka-queue', '32 VUs')).toBe('–');
    expect(cell(markdown, 'Contention curve', 'kafka-queue', '128 VUs')).toMatch(/^570 /);
    expect(cell(markdown, 'Spike', 'redlock', 'sold out at ms')).toBe('–');
    expect(cell(markdown, 'Spike', 'redlock', 'undersold')).toMatch(/^174 /);
    expect(cell(markdown, 'Spike', 'redis-lua', '503 p95 ms')).toBe('–');
    expect(cell(markdown, 'Spike', 'pg-atomic', 'drained after ms')).toBe('–');
    expect(markdown).toMatch(/\| PostgreSQL hot-row UPDATE \| not measured \| – \| – \|/);
  });

  it('keeps the tables intact when a name holds a pipe', () => {
    const markdown = renderMarkdown(sampleReport({ renameStrategy: { from: 'outbox', to: 'out|box' } }));
    for (const title of tables.slice(1)) {
      const { header, rows } = tableUnder(markdown, title);
      expect(rows.at(-1)?.[0], title).toBe('out\\|box');
      expect(rows.at(-1), title).toHaveLength(header.length);
    }
  });

  it('knows the unsafe baseline by `safe`, not by its name', () => {
    const markdown = renderMarkdown(sampleReport({ renameStrategy: { from: 'naive', to: 'read-then-write' } }));
    expect(cell(markdown, 'Capacity', 'read-then-write', 'deducts in')).toBe('PostgreSQL (unsafe)');
    expect(markdown).toContain('read-then-write is the unsafe baseline');
  });
});

describe('renderHtml escaping', () => {
  const hostileName = '<script>alert(1)</script>" onmouseover="alert(2)';
  const hostile = (): Report => {
    const report = sampleReport({
      renameStrategy: { from: 'outbox', to: hostileName },
      command: 'npm run compare -- --only "</code><script>alert(3)</script>"',
    });
    const first = report.strategies[0];
    if (first?.spike) first.spike.dashboard = 'javascript:alert(4)';
    if (report.ceilings.http !== null) report.ceilings.http.dashboard = '//evil.example/x.html';
    report.settings.spike.rateReason = '<img src=x onerror="alert(5)">';
    return report;
  };

  it('puts no markup from the data into the page', () => {
    const page = renderHtml(hostile());
    expect(page).not.toMatch(/<script/i); // the page has no script of its own either
    expect(page).not.toMatch(/<img/i);
    expect(page).not.toContain('onmouseover="');
    expect(page).not.toContain('onerror="');
    expect(page).not.toContain('javascript:');
    expect(page).not.toContain('evil.example');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)');
    expect(page).toContain('&lt;/code&gt;&lt;script&gt;alert(3)');
    expect(page).toContain('data-chart="series-&lt;script&gt;alert(1)&lt;/script&gt;&quot; onmouseover=&quot;alert(2)"');
  });

  it('puts no markup from the data into the standalone curve SVG', () => {
    const svg = curveSvg(hostile());
    expect(svg).not.toMatch(/<script/i);
    expect(svg).not.toContain('onmouseover="');
    expect(svg).toContain('&lt;script&gt;alert(1)');
  });

  it('links nothing outside the report folder', () => {
    const page = renderHtml(sampleReport());
    const targets = Array.from(page.matchAll(/\b(?:href|src)="([^"]*)"/g), (match) => match[1]);
    expect(targets).toContain('dashboards/naive-spike.html');
    expect(targets).toContain('dashboards/http-ceiling.html');
    for (const target of targets) expect(target).not.toMatch(/^([a-z][a-z0-9+.-]*:|\/\/)/i);
  });

  it('says "not measured" for a missing ceiling and "did not sell out" for redlock', () => {
    const page = renderHtml(sampleReport({ missingCeiling: 'redis' }));
    expect(page).toContain('not measured');
    expect(page).toContain('did not sell out');
  });

  it('flags the unsafe baseline by `safe`, whatever its name', () => {
    const page = renderHtml(sampleReport({ renameStrategy: { from: 'naive', to: 'read-then-write' } }));
    expect(page).toMatch(/<tr data-strategy="read-then-write" class="flagged">/);
    expect(page).toMatch(/data-chart="series-read-then-write"[^>]*>\n<figcaption><strong>read-then-write<\/strong> <span class="tag unsafe">/);
  });
});

describe('curveSvg', () => {
  it('is a standalone SVG document: namespace, size, white background, one line per strategy, no page CSS', () => {
    const svg = curveSvg(sampleReport());
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="\d+" height="\d+" viewBox="0 0 \d+ \d+"/);
    expect(svg).toMatch(/<rect width="\d+" height="\d+" fill="#ffffff"\/>/);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const lines = Array.from(svg.matchAll(/<g data-strategy="([^"]*)">\n<path d="M[^"]+"/g), (match) => match[1]);
    expect(lines).toEqual(strategies);
    // Under GitHub's <img> no stylesheet reaches it: colours must be attributes, not classes or CSS variables.
    expect(svg).not.toContain('class=');
    expect(svg).not.toContain('var(--');
    expect(svg).toContain('stroke-dasharray'); // the unsafe baseline
  });
});

describe('HTML report in headless Chromium', () => {
  const inDir = async (run: (dir: string) => Promise<void>): Promise<void> => {
    if (chromiumPath() === undefined) throw new Error(`Chromium is not installed (/usr/bin/chromium): ${installHint}`);
    const dir = await mkdtemp(join(tmpdir(), 'report-html-'));
    try {
      await run(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  it('renders every strategy and chart offline, without errors', async () => {
    await inDir(async (dir) => {
      const report = sampleReport();
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtml(report));
      const seen = await inspectReportHtml(file);
      expect(seen.strategies.toSorted()).toEqual(strategies.toSorted());
      expect(expectedCharts(report)).toContain('series-kafka-queue');
      for (const chart of expectedCharts(report)) expect(seen.charts).toContain(chart);
      expect(seen.svgCount).toBeGreaterThanOrEqual(expectedCharts(report).length);
      expect(seen.consoleErrors, 'console errors and page errors').toEqual([]);
      expect(seen.failedRequests, 'requests other than file:, data:, about:').toEqual([]);
      const check = await htmlCheck(file, report);
      expect(check.ok, check.detail).toBe(true);
    });
  });

  it('keeps hostile names intact as data: every chart found under its name, nothing run', async () => {
    await inDir(async (dir) => {
      const report = sampleReport({ renameStrategy: { from: 'outbox', to: '<b>"x" & \'y\'</b> onmouseover="alert(1)"' } });
      const file = join(dir, 'report.html');
      await writeFile(file, renderHtml(report));
      const seen = await inspectReportHtml(file);
      for (const chart of expectedCharts(report)) expect(seen.charts).toContain(chart);
      expect(seen.strategies).toContain('<b>"x" & \'y\'</b> onmouseover="alert(1)"');
      expect(seen.consoleErrors).toEqual([]);
    });
  });

  it('opens the standalone curve SVG as an SVG document, every strategy drawn', async () => {
    await inDir(async (dir) => {
      const file = join(dir, 'contention-curve.svg');
      // A name with XML's special characters: a wrongly escaped one would make the file unparseable.
      await writeFile(file, curveSvg(sampleReport({ renameStrategy: { from: 'outbox', to: 'out<&>"box\'' } })));
      const seen = await inspectReportHtml(file);
      expect(seen.strategies.toSorted()).toEqual([...strategies.slice(0, -1), 'out<&>"box\''].toSorted());
      expect(seen.charts).toEqual(['curve']);
      expect(seen.svgCount).toBe(1);
      expect(seen.consoleErrors).toEqual([]);
      expect(seen.failedRequests).toEqual([]);
    });
  });
});
