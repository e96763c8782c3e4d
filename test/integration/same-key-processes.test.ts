// One Idempotency-Key sent to two API processes at the same moment, for the
// last unit, with both requests made to wait for the SKU's row lock (held
// here until both wait): the first takes the unit, and the second, whose
// statement began before that commit, must answer with the same order, never
// 409 sold_out. A statement that trusted its own snapshot for "does this key
// have an order?" answered 409 here (pg-atomic, outbox, reserve before the
// short_after_wait check in sellIfAvailable).
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertUnitOrders, type UnitOrder } from '../../db/queries/orders.js';
import { createOrderWriter } from '../../services/strategies/common/order-writer.js';
import { strategyFacts } from '../../services/strategies/registry.js';
import { audit, createSku, patient, payHolds, purchase, uniqueSku } from '../helpers/api.js';
import { type ChildService, spawnApi } from '../helpers/processes.js';
import { openDb } from '../helpers/worker.js';

// Those that decide in PostgreSQL with no lock of their own: both requests reach the row and wait for it there.
const rowDeciders = strategyFacts.filter((s) => s.safe && !s.async && s.decidesIn === 'postgres' && s.locksIn === 'none').map((s) => s.name);

let apis: ChildService[] = [];
const db = openDb();

beforeAll(async () => {
  apis = await Promise.all([1, 2].map(() => spawnApi(patient)));
}, 120_000);
afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  await db.destroy();
});

/** Backends of this database waiting for a lock (a row or an advisory lock). */
async function lockWaiters(): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(*)::text as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

describe('the same key at two API processes while the last unit goes', () => {
  it('covers strategies that decide in PostgreSQL', () => {
    expect(rowDeciders.length).toBeGreaterThan(3);
  });

  it.each(rowDeciders)('%s: both answers name the one order', async (strategy) => {
    const [first, second] = apis as [ChildService, ChildService];
    const sku = uniqueSku(`same-key-${strategy}`);
    expect((await createSku(first, sku, 1)).status).toBe(201);
    const key = randomUUID();
    const userId = `same-key-${randomUUID().slice(0, 8)}`;
    const answers = await db.transaction().execute(async (trx) => {
      await sql`select 1 from skus where sku = ${sku} for update`.execute(trx);
      const sent = [first, second].map((api) => purchase(api, { sku, strategy, key, userId }));
      // Both wait (for the row, or one for the SKU's advisory lock): their statements began before either commits.
      for (let i = 0; i < 200 && (await lockWaiters()) < 2; i++) await sleep(25);
      expect(await lockWaiters()).toBeGreaterThanOrEqual(2);
      return sent;
    }).then((sent) => Promise.all(sent));
    const orders = await db.selectFrom('orders').select(['id', 'status']).where('sku', '=', sku).execute();
    expect(orders).toHaveLength(1);
    for (const answer of answers) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      expect(answer.body.orderId).toBe(orders[0]?.id);
    }
    await payHolds(first, answers);
    // No worker runs here: an outbox event stays unpublished, which the audit does not hold against the stock.
    expect((await audit(first, sku)).body).toMatchObject({ confirmedUnits: 1, oversoldUnits: 0, consistent: true });
  });
});

describe("redis-lua: another process wrote this very deduction's order first", () => {
  it('is the same order, not a duplicate whose units go back on sale', async () => {
    const sku = uniqueSku('same-key-lua');
    expect((await createSku(apis[0] as ChildService, sku, 5)).status).toBe(201);
    const order: UnitOrder = { id: randomUUID(), sku, userId: 'u-lua', quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units: '{[1,2)}' };
    // Process B met A's deduction (same key, same order id, same units) and wrote the order first.
    expect(await insertUnitOrders(db, [order])).toEqual(new Set([order.id]));
    // Process A's write of it then finds it there: the units are this order's, and A must not give them back.
    const writer = createOrderWriter(db, 10, () => undefined);
    expect(await writer.write(order)).toBe('written_elsewhere');
    // A different order under the key is still a duplicate (the units taken for it are extra).
    expect(await writer.write({ ...order, id: randomUUID(), units: '{[2,3)}' })).toBe('duplicate');
  });
});
