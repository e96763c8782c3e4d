import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { type Answer, type RunningApi, adminToken, createSku, listStrategies, payHolds, purchase, settledAudit, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker.js';
import { until } from '../helpers/wait.js';

// Sold out, known in each API process's memory (api/purchases/sold-out-memory.ts),
// on the real stack: after a store said sold out, the next buyers are refused
// from memory (the answer carries `asOf`), a buyer who bought still gets its
// order, units back on sale are heard by every process at once, and a missed
// message ends with the TTL.
const db = createDb({ connectionString: testConfig().DATABASE_URL, poolMax: 2, acquireTimeoutMs: 2000, statementTimeoutMs: 5000, applicationName: 'sold-out-memory-test' });
// Three APIs, each with its own memory and subscription: three processes as far as the memory goes.
// The TTL is far longer than any wait below, so only the news can end a memory here.
let apis: RunningApi[];
let worker: WorkerProcess;
beforeAll(async () => {
  apis = await Promise.all([0, 1, 2].map(() => startApi({ SOLD_OUT_MEMORY_TTL_MS: '60000' })));
  worker = await spawnWorker();
}, 120_000);
afterAll(async () => {
  worker.child.kill('SIGTERM');
  await worker.exited;
  await Promise.all(apis.map((api) => api.close()));
  await db.destroy();
});

const fromMemory = (answer: Answer): boolean => answer.status === 409 && typeof answer.body.asOf === 'string';
const sold = (answer: Answer): boolean => answer.status === 201 || answer.status === 202;

async function restock(api: RunningApi, sku: string, units: number): Promise<Answer['status']> {
  const response = await fetch(`${api.url}/v1/admin/skus/${sku}/restock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ units }),
  });
  await response.arrayBuffer();
  return response.status;
}

/**
 * New buyers at `api` until one is refused from memory; every answer before it must be a 409 from the
 * store, or a 202 of an asynchronous strategy (kafka-queue accepts until its worker has seen the sell-out,
 * and its worker rejects those later).
 */
async function untilRemembered(api: RunningApi, sku: string, strategy: string, accepts = false): Promise<Answer> {
  const seen: Answer[] = [];
  const last = await until(`${strategy}: refused from memory`, async () => {
    const answer = await purchase(api, { sku, strategy });
    seen.push(answer);
    return answer;
  }, fromMemory);
  expect(seen.filter((answer) => answer.status !== 409 && !(accepts && answer.status === 202)), strategy).toEqual([]);
  return last;
}

describe('sold out in memory, every safe strategy, three API processes', () => {
  it('refuses from memory after the store did, still replays a buyer who bought, and sells again in every process once a restock is heard', async () => {
    const strategies = (await listStrategies(apis[0] as RunningApi)).filter((s) => s.safe);
    for (const { name: strategy, async } of strategies) {
      const sku = uniqueSku(`memory-${strategy}`);
      await createSku(apis[0] as RunningApi, sku, 1);
      const buyer = { sku, strategy, key: randomUUID(), userId: 'first' };
      const first = await purchase(apis[0] as RunningApi, buyer);
      expect(sold(first), `${strategy} ${JSON.stringify(first.body)}`).toBe(true);
      for (const api of apis) {
        const refused = await untilRemembered(api, sku, strategy, async);
        expect(refused.body, strategy).toMatchObject({ code: 'sold_out', status: 409 });
        // The buyer's retry, at a process that refuses everyone else from memory: its order, not a 409.
        const retry = await purchase(api, buyer);
        expect(retry.status, `${strategy} ${JSON.stringify(retry.body)}`).toBe(first.status);
        expect(retry.body.orderId, strategy).toBe(first.body.orderId);
        expect(retry.headers.get('idempotent-replayed'), strategy).toBe('true');
      }
      expect(await restock(apis[0] as RunningApi, sku, apis.length), strategy).toBe(200);
      const after: Answer[] = [first];
      for (const api of apis) {
        after.push(await until(`${strategy}: sells after the restock`, () => purchase(api, { sku, strategy }), (answer) => answer.status !== 409));
      }
      expect(after.every(sold), `${strategy} ${JSON.stringify(after.map((a) => a.body))}`).toBe(true);
      await payHolds(apis[0] as RunningApi, after);
      const audit = await settledAudit(apis[0] as RunningApi, sku);
      expect(audit, `${strategy} ${JSON.stringify(audit)}`).toMatchObject({ oversoldUnits: 0, confirmedUnits: 1 + apis.length, consistent: true });
    }
  }, 240_000);
});

describe('a missed message', () => {
  it('ends with the TTL: no answer from memory repeats a store answer older than SOLD_OUT_MEMORY_TTL_MS', async () => {
    const ttlMs = 1000;
    const api = await startApi({ SOLD_OUT_MEMORY_TTL_MS: String(ttlMs) });
    try {
      const sku = uniqueSku('memory-missed');
      await createSku(api, sku, 1);
      expect(sold(await purchase(api, { sku, strategy: 'pg-atomic' }))).toBe(true);
      await untilRemembered(api, sku, 'pg-atomic');
      // A unit back in PostgreSQL that no script announced: the news every process would have heard is missed.
      await sql`update skus set stock = stock + 1 where sku = ${sku}`.execute(db);
      const answers: Array<{ sentAt: number; answer: Answer }> = [];
      await until('pg-atomic sells the unnoticed unit', async () => {
        const sentAt = Date.now();
        const answer = await purchase(api, { sku, strategy: 'pg-atomic' });
        answers.push({ sentAt, answer });
        return answer;
      }, sold, ttlMs + 8000);
      // Sent at sentAt, answered later: a memory answer then was at most ttlMs after the store's.
      for (const { sentAt, answer } of answers.filter(({ answer }) => fromMemory(answer))) {
        expect(sentAt - Date.parse(String(answer.body.asOf))).toBeLessThan(ttlMs);
      }
    } finally {
      await api.close();
    }
  }, 60_000);
});
