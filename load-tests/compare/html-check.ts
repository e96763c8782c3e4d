// The CI check of report.html: opened in headless Chromium, it must show every
// strategy and chart, log no error and request nothing beyond the file.
import { inspectReportHtml } from './inspect-html.js';
import type { Check, Report } from './report-types.js';

/**
 * The charts report.html must show, by `data-chart` name: the fixed ones
 * (html/charts.ts, html/curve-chart.ts, html/cost-chart.ts) and one spike time series per
 * strategy (html/series-chart.ts), named after the strategy as it is.
 */
export function expectedCharts(report: Report): string[] {
  return ['capacity', 'curve', 'curve-p95', 'spike-latency', 'oversold', 'sellout', 'cost', ...report.strategies.map((s) => `series-${s.strategy}`)];
}

/** Opens report.html in headless Chromium: every strategy and chart, no console error, no request off the file. */
export async function htmlCheck(htmlPath: string, report: Report): Promise<Check> {
  const name = 'report.html renders in Chromium';
  try {
    const seen = await inspectReportHtml(htmlPath);
    const strategies = report.strategies.map((s) => s.strategy);
    const missing = [
      ...strategies.filter((s) => !seen.strategies.includes(s)),
      ...expectedCharts(report)
        .filter((c) => !seen.charts.includes(c))
        .map((c) => `chart ${c}`),
    ];
    const problems = [...seen.consoleErrors, ...seen.failedRequests];
    return {
      name,
      ok: missing.length === 0 && problems.length === 0,
      detail:
        `${seen.strategies.length} strategies, ${seen.charts.length} charts` +
        `${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${problems.length > 0 ? `; errors: ${problems.join(' | ')}` : ''}`,
    };
  } catch (error: unknown) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}
