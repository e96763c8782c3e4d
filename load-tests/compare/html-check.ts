// The CI check of report.html: opened in headless Chromium, it must show every
// strategy and chart, log no error and request nothing beyond the file.
import { inspectReportHtml } from './inspect-html.js';
import type { Check } from './report-types.js';

/** The charts report.html must show (data-chart names, see html/charts.ts). */
const expectedCharts = ['throughput', 'confirmed-throughput', 'latency', 'oversold', 'sellout'];

/** Opens report.html in headless Chromium: every strategy and chart, no console error, no request off the file. */
export async function htmlCheck(htmlPath: string, strategies: string[]): Promise<Check> {
  const name = 'report.html renders in Chromium';
  try {
    const seen = await inspectReportHtml(htmlPath);
    const missing = [...strategies.filter((s) => !seen.strategies.includes(s)), ...expectedCharts.filter((c) => !seen.charts.includes(c)).map((c) => `chart ${c}`)];
    const problems = [...seen.consoleErrors, ...seen.failedRequests];
    return {
      name,
      ok: missing.length === 0 && problems.length === 0,
      detail:
        `${seen.strategies.length} strategies, charts: ${seen.charts.join(', ')}` +
        `${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${problems.length > 0 ? `; errors: ${problems.join(' | ')}` : ''}`,
    };
  } catch (error: unknown) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
