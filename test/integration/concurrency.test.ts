import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type RunningApi, countBy, patient, createSku, get, payHolds, purchase, settledAudit, uniqueSku } from '../helpers/api.js';
import { type ChildService, spawnApi } from '../helpers/processes.js';
import { asyncStrategies, everyStrategy, isAsync, safeStrategies, syncSafeStrategies, unsafeStrategies } from '../helpers/strategies.js';
import { auditWhen, openDb, startApiWithWorker } from '../helpers/worker.js';

// The flash sale in miniature: six buyers per unit, all at once.
const stock = 50;
const buyers = 300;

let api: RunningApi;
let stop: () => Promise<void>;
const db = openDb();
// These tests check exactness, so the API waits patiently (see `patient`).
beforeAll(async () => {
  ({ api, stop } = await startApiWithWorker(patient));
});
afterAll(async () => {
  await stop();
  await db.destroy();
});

interface Sale {
  sku: string;
  answers: Answer[];
  counts: Record<number, number>;
  audit: Record<string, unknown>;
  /** Units the buyers were told they got (201). */
  confirmedUnits: number;
}

async function flashSale(strategy: string, options: { stock: number; buyers: number; quantity: (buyer: number) => number; apis: { url: string }[] }): Promise<Sale> {
  const sku = uniqueSku(strategy);
  expect((await createSku(api, sku, options.stock)).status).toBe(201);
  const answers = await Promise.all(
    Array.from({ length: options.buyers }, (_, buyer) =>
      purchase(options.apis[buyer % options.apis.length] ?? api, { sku, strategy, quantity: options.quantity(buyer) }),
    ),
  );
  const confirmed = answers.filter((answer) => answer.status === 201);
  // A hold (reserve) is its buyer's sale once paid: pay them all, then check as for every strategy.
  await payHolds(api, answers);
  // Every acknowledged order must exist, with the strategy that took it.
  const orders = await Promise.all(confirmed.map((answer) => get(api, `/v1/orders/${String(answer.body.orderId)}`)));
  for (const order of orders) expect(order.body).toMatchObject({ status: 'confirmed', sku, strategy });
  return {
    sku,
    answers,
    counts: countBy(answers),
    audit: await settledAudit(api, sku),
    confirmedUnits: confirmed.reduce((sum, answer) => sum + Number(answer.body.quantity), 0),
  };
}

const oneEach = () => 1;

describe('300 concurrent purchases of 1 unit on 50 units', () => {
  it('covers every strategy the API serves', async () => {
    // The lists below come from the registry; the API must serve exactly those.
    const served = (await get(api, '/v1/strategies')).body as unknown as Array<{ name: string }>;
    expect(served.map((s) => s.name).sort()).toEqual([...everyStrategy].sort());
    expect([...unsafeStrategies, ...syncSafeStrategies, ...asyncStrategies].sort()).toEqual([...everyStrategy].sort());
  });

  it.each(unsafeStrategies)('%s oversells, and the audit sees it', async (strategy) => {
    const sale = await flashSale(strategy, { stock, buyers, quantity: oneEach, apis: [api] });
    expect(sale.confirmedUnits).toBeGreaterThan(stock);
    expect(sale.audit.confirmedUnits).toBe(sale.confirmedUnits);
    expect(sale.audit.oversoldUnits).toBe(sale.confirmedUnits - stock);
    expect(sale.audit.consistent).toBe(false);
  });

  it.each(syncSafeStrategies)('%s confirms exactly the stock and the stores agree', async (strategy) => {
    const sale = await flashSale(strategy, { stock, buyers, quantity: oneEach, apis: [api] });
    expect(sale.counts).toEqual({ 201: stock, 409: buyers - stock });
    expect(sale.audit).toMatchObject({ initialStock: stock, confirmedUnits: stock, confirmedOrders: stock, pendingUnits: 0, oversoldUnits: 0, redisStock: 0, consistent: true });
    // skus.stock may still lag orders that Redis decided; with the lag counted it is exactly 0.
    expect(Number(sale.audit.pgStock) - Number(sale.audit.unitsNotInPgStock)).toBe(0);
    // And the catch-up brings the column itself to 0 soon after.
    expect(await auditWhen(api, sale.sku, (body) => body.unitsNotInPgStock === 0, 5000)).toMatchObject({ pgStock: 0, consistent: true });
  });

  it('redis-lua writes no stock row per sale: its orders wait for the batched catch-up', async () => {
    const sku = uniqueSku('lua-catch-up');
    expect((await createSku(api, sku, stock)).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: stock }, () => purchase(api, { sku, strategy: 'redis-lua' })));
    expect(countBy(answers)).toEqual({ 201: stock });
    const settled = await auditWhen(api, sku, (body) => body.unitsNotInPgStock === 0, 5000);
    expect(settled).toMatchObject({ pgStock: 0, expectedStock: 0, consistent: true });
    expect(await db.selectFrom('orders').select('id').where('sku', '=', sku).where('stock_applied', '=', false).execute()).toEqual([]);
    // Every write of skus.stock bumps its version: the catch-up wrote it a few times (one per 100 ms round), not once per sale.
    const row = await db.selectFrom('skus').select('version').where('sku', '=', sku).executeTakeFirstOrThrow();
    expect(row.version).toBeGreaterThan(0);
    expect(row.version).toBeLessThan(stock / 2);
  });

  it.each(asyncStrategies)('%s accepts or refuses at once, then settles exactly the stock', async (strategy) => {
    const sale = await flashSale(strategy, { stock, buyers, quantity: oneEach, apis: [api] });
    expect((sale.counts[202] ?? 0) + (sale.counts[409] ?? 0)).toBe(buyers);
    expect(sale.counts[202]).toBeGreaterThanOrEqual(stock);
    expect(sale.audit).toMatchObject({ confirmedUnits: stock, confirmedOrders: stock, pendingUnits: 0, oversoldUnits: 0, pgStock: 0, redisStock: 0, consistent: true });
    // Every 202 ended confirmed or rejected, never lost.
    const statuses = await Promise.all(sale.answers.filter((a) => a.status === 202).map((a) => get(api, String(a.headers.get('location')))));
    expect(countBy(statuses)).toEqual({ 200: sale.counts[202] });
    const byStatus: Record<string, number> = {};
    for (const order of statuses) byStatus[String(order.body.status)] = (byStatus[String(order.body.status)] ?? 0) + 1;
    expect(byStatus).toEqual({ confirmed: stock, rejected: (sale.counts[202] ?? 0) - stock });
  });
});

describe('mixed quantities (1-3) on a small stock', () => {
  it.each(safeStrategies)('%s never oversells', async (strategy) => {
    const sale = await flashSale(strategy, { stock: 20, buyers: 100, quantity: (buyer) => (buyer % 3) + 1, apis: [api] });
    expect(sale.audit.oversoldUnits).toBe(0);
    expect(sale.audit.consistent).toBe(true);
    expect(Number(sale.audit.confirmedUnits)).toBeLessThanOrEqual(20);
    if (!isAsync(strategy)) expect(sale.audit.confirmedUnits).toBe(sale.confirmedUnits);
  });
});

describe('two API processes on the same stack, load split between them', () => {
  let second: ChildService;
  beforeAll(async () => {
    second = await spawnApi(patient);
  });
  afterAll(async () => {
    await second.stop();
  });

  it.each(safeStrategies)('%s still confirms exactly the stock', async (strategy) => {
    const sale = await flashSale(strategy, { stock, buyers, quantity: oneEach, apis: [api, second] });
    expect(sale.audit).toMatchObject({ confirmedUnits: stock, confirmedOrders: stock, oversoldUnits: 0, pendingUnits: 0, consistent: true });
  });
});
