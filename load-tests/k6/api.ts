// Calls the k6 scripts make to the API: the readiness and strategy checks of
// setup(), admin routes, the purchase itself (and how its answer is sorted),
// the audit and the Prometheus counters. Runs inside k6 (not Node).
import type { Static } from 'typebox';
import type { SkuAudit } from '../../services/api/schemas/sku.ts';
import type { StrategyFacts } from '../../services/strategies/facts.ts';
import { sleep } from 'k6';
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';

export function adminHeaders(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

/** One line about an answer, for error messages: status, transport error and the start of the body. */
export function describe(res: RefinedResponse<ResponseType | undefined>): string {
  const body = typeof res.body === 'string' ? res.body.slice(0, 300) : '';
  return `HTTP ${res.status}${res.error ? ` (${res.error})` : ''} ${body}`;
}

/** What setup() needs to know about the strategy under test: its facts, as GET /v1/strategies serves them. */
export type StrategyInfo = StrategyFacts;

/** Stops the run in setup() unless the API is ready, the token is set and it serves `strategy`. */
export function checkApi(apiUrl: string, adminToken: string, strategy: string): StrategyInfo {
  if (adminToken === '') throw new Error('ADMIN_TOKEN is required (it is in .env after the first npm start)');
  const ready = http.get(`${apiUrl}/health/ready`, { tags: { name: 'health' }, timeout: '10s' });
  if (ready.status !== 200) throw new Error(`API at ${apiUrl} is not ready: ${describe(ready)}`);
  const list = http.get(`${apiUrl}/v1/strategies`, { tags: { name: 'strategies' }, timeout: '10s' });
  if (list.status !== 200) throw new Error(`GET /v1/strategies failed: ${describe(list)}`);
  const strategies = list.json() as unknown as StrategyInfo[];
  const info = strategies.find((s) => s.name === strategy);
  if (info === undefined) throw new Error(`Unknown STRATEGY "${strategy}"; the API knows: ${strategies.map((s) => s.name).join(', ')}`);
  return info;
}

/** A run id that keeps SKUs, user ids and keys of one run apart from every other run's. */
export function newRunId(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** Creates a SKU; `maxPerUser` 0 leaves it unlimited, `holdSeconds` 0 leaves reserve's holds at the API's default. */
/** What a scenario's setup hands its iterations: the SKU it made and the run's id. */
export interface SkuRun {
  sku: string;
  runId: string;
}

/** `more`: further settings of POST /v1/admin/skus (a waitingRoom). */
export function createSku(apiUrl: string, adminToken: string, sku: string, stock: number, maxPerUser = 0, holdSeconds = 0, more: Record<string, unknown> = {}): void {
  const settings = { ...(maxPerUser > 0 ? { maxPerUser } : {}), ...(holdSeconds > 0 ? { holdSeconds } : {}), ...more };
  const created = http.post(`${apiUrl}/v1/admin/skus`, JSON.stringify({ sku, stock, ...settings }), {
    headers: adminHeaders(adminToken),
    tags: { name: 'create-sku' },
    timeout: '10s',
  });
  if (created.status !== 201) throw new Error(`POST /v1/admin/skus failed: ${describe(created)}`);
}

/** One purchase of 1 unit with a fresh Idempotency-Key; every status the scenarios expect counts as a success for k6. */
export function purchase(apiUrl: string, sku: string, userId: string, strategy: string, timeout: string): RefinedResponse<ResponseType | undefined> {
  return http.post(`${apiUrl}/v1/purchases`, JSON.stringify({ sku, userId, quantity: 1 }), {
    headers: { 'content-type': 'application/json', 'x-strategy': strategy, 'idempotency-key': crypto.randomUUID() },
    tags: { name: 'purchase' },
    timeout,
    responseCallback: http.expectedStatuses(201, 202, 409, 503),
  });
}

/** Outcomes of POST /v1/purchases (metrics.ts counts each; series.ts buckets them). */
export const OUTCOMES = ['confirmed', 'pending', 'sold_out', 'contended', 'error'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export function classify(res: RefinedResponse<ResponseType | undefined>): Outcome {
  switch (res.status) {
    case 201:
      return 'confirmed';
    case 202:
      return 'pending';
    case 503:
      return 'contended';
    case 409: {
      let code: unknown;
      try {
        code = res.json('code');
      } catch {
        code = undefined;
      }
      return code === 'sold_out' ? 'sold_out' : 'error'; // e.g. idempotency_key_in_flight: a bug here
    }
    default:
      return 'error';
  }
}

/** GET /v1/admin/skus/:sku/audit, typed by the API's own response schema (a type-only import: nothing of it runs in k6). */
export type Audit = Static<typeof SkuAudit>;

export function readAudit(apiUrl: string, token: string, sku: string): Audit {
  const res = http.get(`${apiUrl}/v1/admin/skus/${encodeURIComponent(sku)}/audit`, {
    headers: adminHeaders(token),
    tags: { name: 'audit' },
    timeout: '10s',
  });
  if (res.status !== 200) throw new Error(`GET audit of ${sku} failed: ${describe(res)}`);
  return res.json() as unknown as Audit;
}

/**
 * Waits (bounded) until the worker has settled every order of the SKU and
 * relayed every outbox event, so its work neither goes unmeasured nor loads
 * the next phase; returns the last audit and the wait in ms.
 */
export function settle(apiUrl: string, token: string, sku: string, timeoutMs: number): { audit: Audit; waitedMs: number } {
  const started = Date.now();
  let audit = readAudit(apiUrl, token, sku);
  while (((audit.pendingUnits ?? 1) > 0 || audit.outboxBacklog > 0) && Date.now() - started < timeoutMs) {
    sleep(0.25);
    audit = readAudit(apiUrl, token, sku);
  }
  if ((audit.pendingUnits ?? 1) > 0) console.warn(`${audit.pendingUnits} unit(s) still pending after ${timeoutMs} ms`);
  if (audit.outboxBacklog > 0) console.warn(`${audit.outboxBacklog} outbox event(s) still unpublished after ${timeoutMs} ms`);
  return { audit, waitedMs: Date.now() - started };
}
