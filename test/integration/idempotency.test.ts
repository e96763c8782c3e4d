import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, countBy, createSku, payHolds, purchase, settledAudit, uniqueSku } from '../helpers/api.js';
import { startApiWithWorker } from '../helpers/worker.js';
import { until } from '../helpers/wait.js';
import { everyStrategy, isAsync } from '../helpers/strategies.js';

let api: RunningApi;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ api, stop } = await startApiWithWorker());
});
afterAll(() => stop());

const accepted = (strategy: string): number => (isAsync(strategy) ? 202 : 201);

describe.each(everyStrategy)('Idempotency-Key with %s', (strategy) => {
  it('replays the first answer and never writes a second order', async () => {
    const sku = uniqueSku('replay');
    await createSku(api, sku, 5);
    const request = { sku, userId: 'alice', quantity: 2, key: randomUUID(), strategy };
    const first = await purchase(api, request);
    const again = await purchase(api, request);
    expect(first.status).toBe(accepted(strategy));
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    await payHolds(api, [first, again]);
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedOrders: 1, confirmedUnits: 2, consistent: true });
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const sku = uniqueSku('reuse');
    await createSku(api, sku, 5);
    const key = randomUUID();
    const first = await purchase(api, { sku, userId: 'bob', quantity: 1, key, strategy });
    expect(first.status).toBe(accepted(strategy));
    await payHolds(api, [first]);
    const changed = await purchase(api, { sku, userId: 'bob', quantity: 3, key, strategy });
    expect(changed.status).toBe(422);
    expect(changed.headers.get('content-type')).toContain('application/problem+json');
    expect(changed.body.code).toBe('idempotency_key_reused');
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedOrders: 1, confirmedUnits: 1 });
  });

  it('yields one order when the same key arrives many times at once', async () => {
    const sku = uniqueSku('burst');
    await createSku(api, sku, 10);
    const request = { sku, userId: 'carol', quantity: 1, key: randomUUID(), strategy };
    const answers = await Promise.all(Array.from({ length: 50 }, () => purchase(api, request)));
    const counts = countBy(answers);
    // Each answer is either the order (first or replayed) or "still in flight".
    expect((counts[accepted(strategy)] ?? 0) + (counts[409] ?? 0)).toBe(50);
    expect(counts[accepted(strategy)]).toBeGreaterThan(0);
    const orderIds = new Set(answers.filter((a) => a.status === accepted(strategy)).map((a) => a.body.orderId));
    expect(orderIds.size).toBe(1);
    for (const answer of answers.filter((a) => a.status === 409)) expect(answer.body.code).toBe('idempotency_key_in_flight');
    await payHolds(api, answers);
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedOrders: 1, confirmedUnits: 1, consistent: true });
  });
});

describe.each(everyStrategy.filter((strategy) => !isAsync(strategy)))('a sold-out answer with %s', (strategy) => {
  // Changed on purpose with the fast path: a refusal is no longer recorded (it
  // changed nothing, and recording it cost a commit per refusal). A retry is
  // decided again, and stock does not grow back during a sale, so it is
  // refused again; see docs/api.md, "Idempotency".
  it('writes nothing, and a retry is decided again: still sold out', async () => {
    const sku = uniqueSku('soldout');
    await createSku(api, sku, 1);
    const request = { sku, userId: 'dave', quantity: 2, key: randomUUID(), strategy };
    const first = await purchase(api, request);
    expect(first.status).toBe(409);
    expect(first.body.code).toBe('sold_out');
    const again = await purchase(api, request);
    expect(again.status).toBe(409);
    // The same refusal, from the store or from this process's memory of it (then with `asOf`).
    expect(again.body).toMatchObject({ type: first.body.type, code: 'sold_out', status: 409 });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedOrders: 0, pgStock: 1, consistent: true });
  });

  it('a retry of a sale after the SKU sold out gets its order back, not a 409', async () => {
    const sku = uniqueSku('sold-then-retried');
    await createSku(api, sku, 1);
    const request = { sku, userId: 'erin', quantity: 1, key: randomUUID(), strategy };
    const first = await purchase(api, request);
    expect(first.status).toBe(201);
    const again = await purchase(api, request);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // And another body under that key is still told apart once the SKU is sold out.
    expect((await purchase(api, { ...request, quantity: 2 })).status).toBe(422);
  });
});

describe('a kafka-queue retry after the sell-out', () => {
  it('gets its 202 and order back, not the sold-out answer the front door gives everyone else', async () => {
    const sku = uniqueSku('queue-sold-then-retried');
    await createSku(api, sku, 1);
    const request = { sku, userId: 'fay', quantity: 1, key: randomUUID(), strategy: 'kafka-queue' };
    const first = await purchase(api, request);
    expect(first.status).toBe(202);
    // Once the worker has applied it, the stock is 0 and, its flag set, the front door refuses at once.
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: 1, consistent: true });
    await until('the front door refusing after the sell-out', async () => (await purchase(api, { sku, strategy: 'kafka-queue' })).status, (status) => status === 409, 5_000, 100);
    const again = await purchase(api, request);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});
