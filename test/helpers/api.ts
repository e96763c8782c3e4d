import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyInstance } from 'fastify';
import app from '../../services/api/app.js';
import type { Etcd3 } from 'etcd3';
import { type Config, etcdEndpoints, parseConfig } from '../../services/shared/config.js';
import { createEtcd } from '../../services/shared/etcd.js';
import { serverOptions } from '../../services/api/server-options.js';
import { loadEnv } from '../../services/shared/env-files.js';
import type { StrategyDefinition } from '../../services/strategies/registry.js';

export const adminToken = 'test-admin-token-0123456789';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({ ...loadEnv(), ADMIN_TOKEN: adminToken, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0', WORKER_METRICS_PORT: '0', ...overrides });
}

/**
 * Waits long enough for a burst on a loaded machine. Tests of exactness
 * (every buyer answered 201, 202 or 409; the stock sold exactly) use it: the
 * default waits (800 ms for a turn, a lock, a pooled connection) shed buyers
 * with 503 when the machine cannot serve the burst that fast, which is right
 * for a user and not what those tests check. Shedding is tested in
 * sku-gate.test.ts, deadline.test.ts and by npm run faults.
 */
export const patient = { PURCHASE_WAIT_MS: '10000', LOCK_WAIT_MS: '10000', OPTIMISTIC_MAX_WAIT_MS: '10000', PG_ACQUIRE_TIMEOUT_MS: '5000', PG_LOCK_TIMEOUT_MS: '2000' };

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

/** A SKU code no other test uses, so tests never see each other's orders. */
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

/**
 * Pays every hold among `answers` (201 reserved: strategy reserve), once per
 * order, so a test written for every strategy checks the completed sale:
 * confirmed units, as the other strategies leave them.
 */
export async function payHolds(api: { url: string }, answers: readonly Answer[]): Promise<void> {
  const held = new Set(answers.filter((a) => a.status === 201 && a.body.status === 'reserved').map((a) => String(a.body.orderId)));
  const paid = await Promise.all([...held].map((orderId) => settle(api, orderId, 'confirm')));
  const unpaid = paid.filter((answer) => answer.status !== 200);
  if (unpaid.length > 0) throw new Error(`${unpaid.length} holds not paid: ${JSON.stringify(unpaid[0]?.body)}`);
}

/** `count` purchases at once, by users u0…, each answer with how long it took. */
export async function timedPurchases(target: { url: string }, sku: string, count: number, strategy: string): Promise<{ answer: Answer; ms: number }[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const started = Date.now();
      const answer = await purchase(target, { sku, userId: `u${i}`, strategy });
      return { answer, ms: Date.now() - started };
    }),
  );
}

/** A client for the stack's etcd. It connects on its first call: deps for a strategy that never locks open nothing. */
export function etcdClient(config: Config = testConfig()): Etcd3 {
  return createEtcd(etcdEndpoints(config), config.ETCD_CALL_TIMEOUT_MS);
}

export function get(api: { url: string }, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return call(`${api.url}${path}`, { headers });
}

/** Waits until asynchronous strategies have settled every order of the SKU, then returns the audit. */
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
