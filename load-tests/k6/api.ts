// Calls the k6 scripts make to the API besides purchases: admin routes, the
// audit and the Prometheus counters. Runs inside k6 (not Node).
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
// Type only (erased when k6 loads the script): the audit's delays have report.json's Percentiles shape.
import type { Percentiles } from '../compare/report-types.ts';

export function adminHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

/** One line about an answer, for error messages: status, transport error and the start of the body. */
export function describe(res: RefinedResponse<ResponseType | undefined>): string {
  const body = typeof res.body === 'string' ? res.body.slice(0, 300) : '';
  return `HTTP ${res.status}${res.error ? ` (${res.error})` : ''} ${body}`;
}

/**
 * purchase_requests_total{strategy} by outcome, from the API's Prometheus
 * endpoint; null when it cannot be read (then undersold is unknown, not 0).
 */
export function serverOutcomes(apiUrl: string, strategy: string): Record<string, number> | null {
  const res = http.get(`${apiUrl}/metrics`, { tags: { name: 'metrics' }, timeout: '10s' });
  const counts: Record<string, number> = {};
  if (res.status !== 200 || typeof res.body !== 'string') {
    console.warn(`GET /metrics failed (${describe(res)}): undersold_units will be missing`);
    return null;
  }
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('purchase_requests_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const lineStrategy = /strategy="([^"]*)"/.exec(labels)?.[1];
    const outcome = /outcome="([^"]*)"/.exec(labels)?.[1];
    if (lineStrategy !== strategy || outcome === undefined) continue;
    counts[outcome] = (counts[outcome] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
}

/** The fields of GET /v1/admin/skus/:sku/audit the scenario uses. */
export interface Audit {
  initialStock: number;
  confirmedUnits: number;
  pendingUnits: number;
  oversoldUnits: number;
  consistent: boolean;
  confirmationDelayMs: Percentiles;
}

export function readAudit(apiUrl: string, token: string, sku: string): Audit {
  const res = http.get(`${apiUrl}/v1/admin/skus/${encodeURIComponent(sku)}/audit`, {
    headers: adminHeaders(token),
    tags: { name: 'audit' },
    timeout: '10s',
  });
  if (res.status !== 200) throw new Error(`GET audit of ${sku} failed: ${describe(res)}`);
  return res.json() as unknown as Audit;
}
