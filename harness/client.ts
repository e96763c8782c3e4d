// The one HTTP client of the API, for whoever drives one from Node: the tests,
// the benchmarks, npm run compare and npm run faults (k6 scripts cannot use
// it: they run inside k6). It knows no Fastify and starts nothing; the
// in-process API is harness/api.ts, real processes harness/processes.ts.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StrategyFacts } from '../services/strategies/facts.js';

/** The admin token the tests' API runs with (testConfig). */
export const adminToken = 'test-admin-token-0123456789';

/** A SKU code no other test or run uses, so none sees another's orders. */
export function uniqueSku(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}`;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/**
 * Where an API answers, with the admin token to use there (the test token by
 * default) and, for callers that must not hang on a store that is out (the
 * fault runner), a bound on each call.
 */
export interface ApiTarget {
  url: string;
  token?: string;
  timeoutMs?: number;
}

function withTimeout(api: ApiTarget, init: RequestInit = {}): RequestInit {
  return api.timeoutMs === undefined ? init : { ...init, signal: AbortSignal.timeout(api.timeoutMs) };
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** GET `path` as JSON of any shape (a list, an object); `body` undefined when empty. */
export async function getJson(api: ApiTarget, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${api.url}${path}`, withTimeout(api, { headers }));
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

/** GET /v1/strategies: every strategy's facts, in the registry's order. */
export async function listStrategies(api: ApiTarget): Promise<StrategyFacts[]> {
  const { status, body } = await getJson(api, '/v1/strategies');
  if (status !== 200 || !Array.isArray(body)) throw new Error(`GET /v1/strategies answered ${status}`);
  return body as StrategyFacts[];
}

/** A SKU's waiting room as POST /v1/admin/skus takes it. */
export interface WaitingRoomInput {
  admitPerSecond: number | 'auto';
  tokenTtlSeconds?: number;
  drawSeconds?: number;
}

export function createSku(api: ApiTarget, sku: string, stock: number, token = api.token ?? adminToken, settings: { maxPerUser?: number; holdSeconds?: number; waitingRoom?: WaitingRoomInput } = {}): Promise<Answer> {
  return call(
    `${api.url}/v1/admin/skus`,
    withTimeout(api, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sku, stock, ...settings }),
    }),
  );
}

export function audit(api: ApiTarget, sku: string): Promise<Answer> {
  return call(`${api.url}/v1/admin/skus/${encodeURIComponent(sku)}/audit`, withTimeout(api, { headers: { authorization: `Bearer ${api.token ?? adminToken}` } }));
}

export interface PurchaseInput {
  sku: string;
  userId?: string;
  quantity?: number;
  key?: string;
  strategy?: string;
  via?: 'header' | 'query';
  /** The Admission-Token of a SKU with a waiting room. */
  admissionToken?: string;
}

export function purchase(api: { url: string }, input: PurchaseInput): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': input.key ?? randomUUID() };
  if (input.admissionToken !== undefined) headers['admission-token'] = input.admissionToken;
  let url = `${api.url}/v1/purchases`;
  if (input.strategy !== undefined) {
    if (input.via === 'query') url += `?strategy=${encodeURIComponent(input.strategy)}`;
    else headers['x-strategy'] = input.strategy;
  }
  const body = { sku: input.sku, userId: input.userId ?? `user-${randomUUID().slice(0, 8)}`, quantity: input.quantity ?? 1 };
  return call(url, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** POST /v1/orders/:id/confirm or /cancel under `key` (a fresh one when absent). */
export function settle(api: { url: string }, orderId: string, action: 'confirm' | 'cancel', key: string = randomUUID()): Promise<Answer> {
  return call(`${api.url}/v1/orders/${orderId}/${action}`, { method: 'POST', headers: { 'idempotency-key': key } });
}

export function get(api: ApiTarget, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${api.url}${path}`, withTimeout(api, { headers }));
}

/** The JSON body of GET /v1/admin/skus/:sku/audit. */
export type AuditBody = Record<string, unknown>;

/** Polls the audit until `done` holds; throws after `timeoutMs` with the last audit (a silent return would let a test pass on an unsettled one). */
export async function auditWhen(api: { url: string }, sku: string, done: (body: AuditBody) => boolean, timeoutMs = 30_000): Promise<AuditBody> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await audit(api, sku);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`audit of ${sku} did not settle in ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await sleep(100);
  }
}

/** The audit once nothing is pending: no queued purchase, no unpublished outbox event, no unsold unit in a live lease. */
export function settledAudit(api: { url: string }, sku: string, timeoutMs = 30_000): Promise<AuditBody> {
  return auditWhen(api, sku, (body) => body.pendingUnits === 0 && (body.outboxBacklog ?? 0) === 0 && (body.liveLeasedUnits ?? 0) === 0, timeoutMs);
}

export function countBy(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}

/** POST /v1/skus/:sku/line: a ticket in the SKU's waiting room. */
export function joinLine(api: ApiTarget, sku: string, userId: string): Promise<Answer> {
  return call(`${api.url}/v1/skus/${sku}/line`, withTimeout(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) }));
}

/** GET /v1/skus/:sku/line/:ticket: the ticket's place, or its admission. */
export function pollLine(api: ApiTarget, sku: string, ticket: string): Promise<Answer> {
  return call(`${api.url}/v1/skus/${sku}/line/${ticket}`, withTimeout(api));
}
