import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type RunningApi, adminToken, countBy, createSku, listStrategies, payHolds, purchase, settledAudit, startApi, uniqueSku } from '../helpers/api.js';
import { spawnWorker, type WorkerProcess } from '../helpers/worker.js';

// POST /v1/admin/skus/:sku/restock on the real stack: once per
// Idempotency-Key, and every safe strategy sells the new units after its SKU
// sold out, and while buyers keep coming. The audit counts them.
let api: RunningApi;
let worker: WorkerProcess;
beforeAll(async () => {
  api = await startApi();
  worker = await spawnWorker();
}, 120_000);
afterAll(async () => {
  worker.child.kill('SIGTERM');
  await worker.exited;
  await api.close();
});

async function restock(sku: string, units: number, key = randomUUID()): Promise<Answer> {
  const response = await fetch(`${api.url}/v1/admin/skus/${sku}/restock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ units }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
}

describe('restock', () => {
  it('adds its units once per Idempotency-Key', async () => {
    const sku = uniqueSku('restock-key');
    await createSku(api, sku, 5);
    const key = randomUUID();
    const first = await restock(sku, 3, key);
    expect(first).toMatchObject({ status: 200, body: { sku, units: 3, restockedUnits: 3, available: 8, replayed: false } });
    expect(await restock(sku, 3, key)).toMatchObject({ status: 200, body: { units: 3, restockedUnits: 3, available: 8, replayed: true } });
    expect((await restock(sku, 4, key)).status).toBe(422);
    expect((await restock(uniqueSku('restock-none'), 1)).status).toBe(404);
    expect(await settledAudit(api, sku)).toMatchObject({ initialStock: 5, restockedUnits: 3, expectedStock: 8, pgStock: 8, redisStock: 8, consistent: true });
  });
});

describe('every safe strategy after a sell-out', () => {
  it('sells the restocked units, no more, and the audit agrees', async () => {
    const strategies = (await listStrategies(api)).filter((s) => s.name !== 'naive').map((s) => s.name);
    for (const strategy of strategies) {
      const sku = uniqueSku(`restock-${strategy}`);
      await createSku(api, sku, 3);
      const before: Answer[] = [];
      for (let i = 0; i < 4; i += 1) before.push(await purchase(api, { sku, strategy, userId: `b${i}` }));
      await payHolds(api, before);
      await settledAudit(api, sku);
      expect((await restock(sku, 2)).status, strategy).toBe(200);
      const after: Answer[] = [];
      for (let i = 0; i < 4; i += 1) after.push(await purchase(api, { sku, strategy, userId: `a${i}` }));
      await payHolds(api, after);
      const audit = await settledAudit(api, sku);
      expect(audit, `${strategy} ${JSON.stringify(audit)}`).toMatchObject({ restockedUnits: 2, confirmedUnits: 5, oversoldUnits: 0, expectedStock: 0, consistent: true });
    }
  });
});

describe('a restock in the middle of a sale', () => {
  it('every safe strategy: every unit sold once, none past initial + restocked', async () => {
    const strategies = (await listStrategies(api)).filter((s) => s.name !== 'naive').map((s) => s.name);
    for (const strategy of strategies) {
      const sku = uniqueSku(`restock-mid-${strategy}`);
      await createSku(api, sku, 20);
      // 80 buyers at once for 20 units, and 10 more units arriving among them.
      const buyers = Array.from({ length: 80 }, (_, i) => purchase(api, { sku, strategy, userId: `m${i}` }));
      const restocked = restock(sku, 10);
      const answers = await Promise.all(buyers);
      expect((await restocked).status, strategy).toBe(200);
      // 503 is a fair answer under contention (a lock not granted in time); nothing else is.
      expect(Object.keys(countBy(answers)).filter((status) => !['201', '202', '409', '503'].includes(status)), strategy).toEqual([]);
      await payHolds(api, answers);
      const audit = await settledAudit(api, sku);
      expect(audit, `${strategy} ${JSON.stringify(audit)}`).toMatchObject({ restockedUnits: 10, oversoldUnits: 0, consistent: true });
      expect(Number(audit.confirmedUnits), strategy).toBeLessThanOrEqual(30);
    }
  });
});
