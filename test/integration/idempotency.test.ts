import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, audit, countBy, createSku, purchase, startApi, uniqueSku } from '../helpers/api.js';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

describe.each(['naive', 'pg-atomic', 'redis-lua'])('Idempotency-Key with %s', (strategy) => {
  it('replays the first answer and never writes a second order', async () => {
    const sku = uniqueSku('replay');
    await createSku(api, sku, 5);
    const request = { sku, userId: 'alice', quantity: 2, key: randomUUID(), strategy };
    const first = await purchase(api, request);
    const again = await purchase(api, request);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect((await audit(api, sku)).body).toMatchObject({ confirmedOrders: 1, confirmedUnits: 2, consistent: true });
  });

  it('answers 422 when the same key comes with a different body', async () => {
    const sku = uniqueSku('reuse');
    await createSku(api, sku, 5);
    const key = randomUUID();
    expect((await purchase(api, { sku, userId: 'bob', quantity: 1, key, strategy })).status).toBe(201);
    const changed = await purchase(api, { sku, userId: 'bob', quantity: 3, key, strategy });
    expect(changed.status).toBe(422);
    expect(changed.headers.get('content-type')).toContain('application/problem+json');
    expect(changed.body.code).toBe('idempotency_key_reused');
    expect((await audit(api, sku)).body).toMatchObject({ confirmedOrders: 1, confirmedUnits: 1 });
  });

  it('yields one order when the same key arrives many times at once', async () => {
    const sku = uniqueSku('burst');
    await createSku(api, sku, 10);
    const request = { sku, userId: 'carol', quantity: 1, key: randomUUID(), strategy };
    const answers = await Promise.all(Array.from({ length: 50 }, () => purchase(api, request)));
    const counts = countBy(answers);
    // Each answer is either the order (first or replayed) or "still in flight".
    expect(Object.keys(counts).sort()).toEqual(expect.arrayContaining(['201']));
    expect((counts[201] ?? 0) + (counts[409] ?? 0)).toBe(50);
    const orderIds = new Set(answers.filter((a) => a.status === 201).map((a) => a.body.orderId));
    expect(orderIds.size).toBe(1);
    for (const answer of answers.filter((a) => a.status === 409)) expect(answer.body.code).toBe('idempotency_key_in_flight');
    expect((await audit(api, sku)).body).toMatchObject({ confirmedOrders: 1, confirmedUnits: 1, consistent: true });
  });

  it('stores a sold-out answer too, so a retry is not sold something later', async () => {
    const sku = uniqueSku('soldout');
    await createSku(api, sku, 1);
    const request = { sku, userId: 'dave', quantity: 2, key: randomUUID(), strategy };
    const first = await purchase(api, request);
    expect(first.status).toBe(409);
    expect(first.body.code).toBe('sold_out');
    const again = await purchase(api, request);
    expect(again.status).toBe(409);
    expect(again.body).toEqual(first.body);
  });
});
