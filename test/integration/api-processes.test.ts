// Three API processes and two workers on one stack, as `API_PROCESSES=3
// WORKER_PROCESSES=2 npm start` runs them, each purchase's Idempotency-Key
// sent to all three processes at the same moment. What lives in one process
// (its in-flight key set, batches, per-SKU lines, breakers) must not be what
// keeps a sale exact: PostgreSQL and the Redis scripts must.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, createSku, get, patient, payHolds, purchase, settledAudit, uniqueSku } from '../helpers/api.js';
import { type ChildService, spawnApi } from '../helpers/processes.js';
import { isAsync, safeStrategies } from '../helpers/strategies.js';
import { openDb, spawnWorker, type WorkerProcess } from '../helpers/worker.js';

const stock = 30;
const buyers = 45;
// Two keys per buyer, each sent to all three processes: 270 requests, 90 keys.
const keysPerBuyer = 2;

let apis: ChildService[] = [];
let workers: WorkerProcess[] = [];
const db = openDb();

beforeAll(async () => {
  apis = await Promise.all([1, 2, 3].map(() => spawnApi(patient)));
  workers = await Promise.all([1, 2].map(() => spawnWorker({ ...patient, WORKER_PROCESSES: '2' })));
}, 120_000);
afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  for (const worker of workers) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await db.destroy();
}, 60_000);

interface Attempt {
  key: string;
  userId: string;
  answers: Answer[];
}

/** Codes that say "no" to a purchase: wrong for a key that has an order. */
const refusals = new Set(['sold_out', 'per_user_limit', 'unknown_sku']);

async function ordersByKey(sku: string): Promise<Map<string, { id: string; status: string; count: number; userId: string; quantity: number }>> {
  const rows = await db
    .selectFrom('orders')
    .select(['idempotency_key', sql<string>`min(id::text)`.as('id'), sql<string>`min(status)`.as('status'), sql<string>`count(*)`.as('n'), sql<string>`min(user_id)`.as('user_id'), sql<string>`sum(quantity)`.as('q')])
    .where('sku', '=', sku)
    .groupBy('idempotency_key')
    .execute();
  return new Map(rows.map((r) => [r.idempotency_key, { id: r.id, status: r.status, count: Number(r.n), userId: r.user_id, quantity: Number(r.q) }]));
}

describe(`three API processes and two workers, every key sent to all three at once (${buyers * keysPerBuyer} keys, ${stock} units, 1 per buyer)`, () => {
  it.each(safeStrategies)('%s: no oversell, one order per key, the per-user limit holds, every answer of a key agrees', async (strategy) => {
    const sku = uniqueSku(`n3-${strategy}`);
    expect((await createSku(apis[0] ?? { url: '' }, sku, stock, undefined, { maxPerUser: 1 })).status).toBe(201);
    const attempts: Attempt[] = Array.from({ length: buyers * keysPerBuyer }, (_, i) => ({ key: randomUUID(), userId: `n3-u${i % buyers}`, answers: [] }));
    await Promise.all(
      attempts.flatMap((attempt) =>
        apis.map(async (api) => {
          attempt.answers.push(await purchase(api, { sku, strategy, key: attempt.key, userId: attempt.userId }));
        }),
      ),
    );
    const all = attempts.flatMap((a) => a.answers);
    await payHolds(apis[0] ?? { url: '' }, all);
    const audit = await settledAudit(apis[0] ?? { url: '' }, sku);
    // The whole audit in the message: which store disagreed is the first thing to know if this fails.
    expect(audit, JSON.stringify(audit)).toMatchObject({ oversoldUnits: 0, pendingUnits: 0, consistent: true });

    const orders = await ordersByKey(sku);
    const sold = [...orders.values()].filter((o) => o.status === 'confirmed');
    // Not one unit more than the stock, not one order more per key, not one unit more per buyer.
    expect(sold.reduce((sum, o) => sum + o.quantity, 0)).toBe(Number(audit.confirmedUnits));
    expect(Number(audit.confirmedUnits)).toBeLessThanOrEqual(stock);
    for (const order of orders.values()) expect(order.count).toBe(1);
    const perBuyer = new Map<string, number>();
    for (const o of sold) perBuyer.set(o.userId, (perBuyer.get(o.userId) ?? 0) + o.quantity);
    for (const [userId, units] of perBuyer) expect(units, userId).toBeLessThanOrEqual(1);

    for (const attempt of attempts) {
      const order = orders.get(attempt.key);
      for (const answer of attempt.answers) {
        const what = `${attempt.key}: ${answer.status} ${JSON.stringify(answer.body)}`;
        // Every yes names the one order of its key.
        if (answer.status === 201 || answer.status === 202) expect(answer.body.orderId, what).toBe(order?.id);
        // A key that bought is never told no.
        if (order !== undefined && order.status !== 'rejected' && answer.status === 409) expect(refusals.has(String(answer.body.code)), what).toBe(false);
      }
    }
    // With buyers patient enough that nobody is shed, the sale is complete: every unit sold.
    const shed = all.filter((a) => a.status === 503).length;
    if (shed === 0) expect(Number(audit.confirmedUnits)).toBe(stock);
    if (!isAsync(strategy)) expect(all.filter((a) => a.status >= 500 && a.status !== 503)).toEqual([]);
  });

  it('the processes answer the read routes alike', async () => {
    for (const api of apis) expect((await get(api, '/v1/strategies')).status).toBe(200);
  });
});
