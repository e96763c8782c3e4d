// The in-process harness: the real API (and worker) started in this process
// on the local stack, and the small HTTP client that drives it. Tests
// (test/helpers re-export it) and the benchmarks in load-tests/ (write-cost,
// optimistic-budget) both use it, so it sits at the top level beside them
// rather than under either: a load test importing test/ (or a test importing
// load-tests/) would tie one tree to the other's helpers. Nothing here is
// specific to a test runner.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import app from '../services/api/app.js';
import { type Config, parseConfig } from '../services/shared/config.js';
import { serverOptions } from '../services/api/server-options.js';
import { loadEnv } from '../services/shared/env-files.js';
import type { StrategyDefinition } from '../services/strategies/registry.js';

export const adminToken = 'test-admin-token-0123456789';

/** The config of an API or worker started here: the stack's env files, this admin token, quiet logs (TEST_LOG_LEVEL), free ports. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({ ...loadEnv(), ADMIN_TOKEN: adminToken, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0', WORKER_METRICS_PORT: '0', ...overrides });
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

/** The real API on a real port, on the real stack: what a client outside sees. */
export async function startApi(overrides: Record<string, string> = {}, strategies?: readonly StrategyDefinition[]): Promise<RunningApi> {
  const config = testConfig(overrides);
  const server = Fastify(serverOptions(config));
  await server.register(app, { config, strategies });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { app: server, url, close: () => server.close() };
}

/** A SKU code no other test or run uses, so none sees another's orders. */
export function uniqueSku(label: string): string {
  return `t-${label}-${randomUUID().slice(0, 8)}`;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: RequestInit): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export function createSku(api: { url: string }, sku: string, stock: number, token = adminToken, settings: { maxPerUser?: number; holdSeconds?: number } = {}): Promise<Answer> {
  return call(`${api.url}/v1/admin/skus`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ sku, stock, ...settings }),
  });
}

export function audit(api: { url: string }, sku: string): Promise<Answer> {
  return call(`${api.url}/v1/admin/skus/${sku}/audit`, { headers: { authorization: `Bearer ${adminToken}` } });
}

export interface PurchaseInput {
  sku: string;
  userId?: string;
  quantity?: number;
  key?: string;
  strategy?: string;
  via?: 'header' | 'query';
}

export function purchase(api: { url: string }, input: PurchaseInput): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': input.key ?? randomUUID() };
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

export function get(api: { url: string }, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${api.url}${path}`, { headers });
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

/** The audit once nothing is pending: no queued purchase, no unpublished outbox event. */
export function settledAudit(api: { url: string }, sku: string, timeoutMs = 30_000): Promise<AuditBody> {
  return auditWhen(api, sku, (body) => body.pendingUnits === 0 && (body.outboxBacklog ?? 0) === 0, timeoutMs);
}

export function countBy(answers: Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}
