import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, adminToken, countBy, createSku, get, patient, payHolds, purchase, settledAudit, uniqueSku } from '../helpers/api.js';
import { asyncStrategies, syncSafeStrategies } from '../helpers/strategies.js';
import { openDb, startApiWithWorker } from '../helpers/worker.js';

// "Two per customer" on 50 units: one buyer tries 30 times at once, ten
// others once each. Every safe strategy must hold the greedy buyer to 2.
const stock = 50;
const maxPerUser = 2;
const greedyTries = 30;
const others = 10;

let api: RunningApi;
let stop: () => Promise<void>;
const db = openDb();
beforeAll(async () => {
  ({ api, stop } = await startApiWithWorker(patient));
});
afterAll(async () => {
  await stop();
  await db.destroy();
});

async function limitedSale(strategy: string) {
  const sku = uniqueSku(`limit-${strategy}`);
  const created = await createSku(api, sku, stock, adminToken, { maxPerUser });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ maxPerUser });
  const greedy = Array.from({ length: greedyTries }, () => purchase(api, { sku, strategy, userId: 'greedy' }));
  const fair = Array.from({ length: others }, (_, i) => purchase(api, { sku, strategy, userId: `fair-${i}` }));
  const answers = await Promise.all([...greedy, ...fair]);
  // reserve's holds, paid: the limit counted them as held, and counts them the same once confirmed.
  await payHolds(api, answers);
  const audit = await settledAudit(api, sku);
  const held = await db
    .selectFrom('orders')
    .select(['user_id', sql<string>`count(*) filter (where status = 'confirmed')`.as('confirmed'), sql<string>`count(*) filter (where status = 'rejected' and reason = 'per_user_limit')`.as('refused')])
    .where('sku', '=', sku)
    .groupBy('user_id')
    .execute();
  const byUser = new Map(held.map((row) => [row.user_id, { confirmed: Number(row.confirmed), refused: Number(row.refused) }]));
  return { sku, answers, audit, greedy: byUser.get('greedy'), fairConfirmed: [...byUser].filter(([user]) => user.startsWith('fair-')).reduce((sum, [, row]) => sum + row.confirmed, 0) };
}

describe(`a SKU limited to ${maxPerUser} per buyer, one buyer trying ${greedyTries} times at once`, () => {
  it.each(syncSafeStrategies)('%s confirms 2 for that buyer, refuses the rest with 409 per_user_limit, and sells to the others', async (strategy) => {
    const sale = await limitedSale(strategy);
    const greedyAnswers = sale.answers.slice(0, greedyTries);
    expect(countBy(greedyAnswers)).toEqual({ 201: maxPerUser, 409: greedyTries - maxPerUser });
    for (const refused of greedyAnswers.filter((answer) => answer.status === 409)) expect(refused.body).toMatchObject({ code: 'per_user_limit', status: 409 });
    expect(countBy(sale.answers.slice(greedyTries))).toEqual({ 201: others });
    expect(sale.greedy?.confirmed).toBe(maxPerUser);
    expect(sale.fairConfirmed).toBe(others);
    // The refused sales took nothing: every store agrees on what is left.
    expect(sale.audit).toMatchObject({ confirmedUnits: maxPerUser + others, oversoldUnits: 0, consistent: true });
  });

  it.each(asyncStrategies)('%s accepts all (202), then its worker confirms 2 for that buyer and rejects the rest as per_user_limit', async (strategy) => {
    const sale = await limitedSale(strategy);
    expect(countBy(sale.answers)).toEqual({ 202: greedyTries + others });
    expect(sale.greedy).toEqual({ confirmed: maxPerUser, refused: greedyTries - maxPerUser });
    expect(sale.fairConfirmed).toBe(others);
    expect(sale.audit).toMatchObject({ confirmedUnits: maxPerUser + others, oversoldUnits: 0, consistent: true });
    const refusedId = sale.answers.slice(0, greedyTries).map((answer) => String(answer.body.orderId));
    const states = await Promise.all(refusedId.map((id) => get(api, `/v1/orders/${id}`)));
    expect(states.filter((state) => state.body.reason === 'per_user_limit')).toHaveLength(greedyTries - maxPerUser);
  });

  it('is unlimited by default, and shown on the SKU', async () => {
    const sku = uniqueSku('unlimited');
    expect((await createSku(api, sku, 5)).body).toMatchObject({ maxPerUser: null });
    const answers = await Promise.all(Array.from({ length: 5 }, () => purchase(api, { sku, strategy: 'pg-atomic', userId: 'one-buyer' })));
    expect(countBy(answers)).toEqual({ 201: 5 });
    const limited = uniqueSku('limited-view');
    await createSku(api, limited, 5, adminToken, { maxPerUser: 1 });
    expect((await get(api, `/v1/skus/${limited}`)).body).toMatchObject({ maxPerUser: 1 });
  });
});
