// The API launcher and client live in harness/api.ts (shared with the
// benchmarks in load-tests/); test files import them from here. What follows
// them is for tests only.
import { randomUUID } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { type Config, etcdEndpoints } from '../../services/shared/config.js';
import { createEtcd } from '../../services/shared/etcd.js';
import { type Answer, type RunningApi, purchase, settle, startApi, testConfig } from '../../harness/api.js';
import { freePort } from './processes.js';

export * from '../../harness/api.js';

/**
 * Waits long enough for a burst on a loaded machine. Tests of exactness
 * (every buyer answered 201, 202 or 409; the stock sold exactly) use it: the
 * default waits (800 ms for a turn, a lock, a pooled connection) shed buyers
 * with 503 when the machine cannot serve the burst that fast, which is right
 * for a user and not what those tests check. Shedding is tested in
 * sku-gate.test.ts, deadline.test.ts and by npm run faults.
 */
export const patient = { PURCHASE_WAIT_MS: '10000', PG_ACQUIRE_TIMEOUT_MS: '5000' };

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

/** An API whose main Redis is down: a port nothing listens on for the first server of REDIS_URLS, or for the cluster under npm run test:cluster. */
export async function startApiWithoutMainRedis(): Promise<RunningApi> {
  const config = testConfig();
  const [, ...others] = config.REDIS_URLS.split(',');
  const dead = `redis://127.0.0.1:${await freePort()}`;
  return startApi(config.REDIS_MAIN === 'cluster' ? { REDIS_CLUSTER_URLS: dead } : { REDIS_URLS: [dead, ...others].join(',') });
}
