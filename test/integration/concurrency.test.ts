import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, audit, countBy, createSku, get, purchase, startApi, uniqueSku } from '../helpers/api.js';

// The flash sale in miniature: six buyers per unit, all at once.
const stock = 50;
const buyers = 300;

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

async function flashSale(strategy: string) {
  const sku = uniqueSku(strategy);
  expect((await createSku(api, sku, stock)).status).toBe(201);
  const answers = await Promise.all(Array.from({ length: buyers }, () => purchase(api, { sku, strategy })));
  const confirmed = answers.filter((answer) => answer.status === 201);
  // Every acknowledged order must exist, with the strategy that took it.
  const orders = await Promise.all(confirmed.map((answer) => get(api, `/v1/orders/${String(answer.body.orderId)}`)));
  for (const order of orders) expect(order.body).toMatchObject({ status: 'confirmed', sku, strategy });
  return { sku, counts: countBy(answers), confirmed: confirmed.length, audit: (await audit(api, sku)).body };
}

describe('300 concurrent purchases of 1 unit on 50 units', () => {
  it('naive oversells, and the audit sees it', async () => {
    const sale = await flashSale('naive');
    expect(sale.confirmed).toBeGreaterThan(stock);
    expect(sale.audit.confirmedUnits).toBe(sale.confirmed);
    expect(sale.audit.oversoldUnits).toBe(sale.confirmed - stock);
    expect(sale.audit.consistent).toBe(false);
  });

  it.each(['pg-atomic', 'redis-lua'])('%s confirms exactly the stock and the stores agree', async (strategy) => {
    const sale = await flashSale(strategy);
    expect(sale.counts).toEqual({ 201: stock, 409: buyers - stock });
    expect(sale.audit).toMatchObject({
      initialStock: stock,
      confirmedUnits: stock,
      confirmedOrders: stock,
      pendingUnits: 0,
      oversoldUnits: 0,
      pgStock: 0,
      redisStock: 0,
      consistent: true,
    });
  });
});
