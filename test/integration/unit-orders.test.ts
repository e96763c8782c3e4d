import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { type UnitOrder, insertUnitOrders } from '../../db/queries/orders.js';
import { insertSku } from '../../db/queries/skus.js';
import { createOrderWriter } from '../../services/strategies/common/order-writer.js';
import { openDb } from '../helpers/worker.js';
import { uniqueSku } from '../helpers/api.js';

// redis-lua's batched order INSERT, as two API processes run it when the same
// keys reach both (api-processes.test.ts sends every key to three): the two
// batches hold the same orders in different arrival orders. Sorted by buyer
// alone, two keys of one buyer went in each batch's own order and the two
// statements deadlocked; a process then gave back the units of orders that
// stood. Real PostgreSQL, two connections, the statements started together.
const db = openDb();
afterAll(async () => {
  await db.destroy();
});

describe('two batches of the same orders in different orders', () => {
  it('write every order once and never deadlock', async () => {
    for (let round = 0; round < 20; round += 1) {
      const sku = uniqueSku('unit-orders');
      // A limit, so each row's trigger also locks its buyer's user_purchases row.
      await insertSku(db, sku, 10, { maxPerUser: 4 });
      const order = (user: string, unit: number): UnitOrder => ({ id: randomUUID(), sku, userId: user, quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units: `{[${unit},${unit + 1})}` });
      const orders = [order('u1', 1), order('u1', 2), order('u2', 3), order('u2', 4)];
      const results = await Promise.allSettled([insertUnitOrders(db, orders), insertUnitOrders(db, [...orders].reverse())]);
      expect(results.map((result) => (result.status === 'rejected' ? String(result.reason) : 'ok'))).toEqual(['ok', 'ok']);
      const written = [...(results[0]?.status === 'fulfilled' ? results[0].value : []), ...(results[1]?.status === 'fulfilled' ? results[1].value : [])];
      expect(written.sort()).toEqual(orders.map((o) => o.id).sort());
    }
  });
});

describe('two attempts of one key in one batch of the order writer', () => {
  it('write one order, and tell only its attempt "inserted": the other hears of the key\'s order', async () => {
    const sku = uniqueSku('same-key-batch');
    await insertSku(db, sku, 10);
    const writer = createOrderWriter(db, 64, () => undefined);
    const key = randomUUID();
    const attempt = (unit: number): UnitOrder => ({ id: randomUUID(), sku, userId: 'u', quantity: 1, strategy: 'redis-lua', idempotencyKey: key, units: `{[${unit},${unit + 1})}` });
    const first = attempt(1);
    const second = attempt(2);
    // Submitted in one turn: one batch, one INSERT, in which the key's unique index keeps one row.
    const results = await Promise.all([writer.write(first), writer.write(second)]);
    const rows = await db.selectFrom('orders').select('id').where('idempotency_key', '=', key).execute();
    expect(rows).toHaveLength(1);
    const insertedId = results[0] === 'inserted' ? first.id : second.id;
    expect(rows[0]?.id).toBe(insertedId);
    expect([...results].sort()).toEqual(['duplicate', 'inserted']);
  });
});

describe('a unit another order holds', () => {
  it('is refused in a batch of the order writer while the batch\'s other orders are written, and sold_units lists each sold unit once', async () => {
    const sku = uniqueSku('unit-taken');
    await insertSku(db, sku, 10);
    const writer = createOrderWriter(db, 64, () => undefined);
    const order = (units: string): UnitOrder => ({ id: randomUUID(), sku, userId: randomUUID(), quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units });
    expect(await writer.write(order('{[1,2)}'))).toBe('inserted');
    // One batch: a unit sold before, two orders naming one unit between them, and two free units.
    const batch = [order('{[1,2)}'), order('{[2,3)}'), order('{[2,3)}'), order('{[3,4)}')];
    const results = await Promise.all(batch.map((o) => writer.write(o)));
    expect(results[0]).toBe('units_taken');
    expect([results[1], results[2]].sort()).toEqual(['inserted', 'units_taken']);
    expect(results[3]).toBe('inserted');
    const sold = await db.selectFrom('sold_units').select('unit').where('sku', '=', sku).orderBy('unit').execute();
    expect(sold.map((row) => row.unit)).toEqual([1, 2, 3]);
  });

  it("does not turn an order another process wrote into a refusal when its batch meets a sold unit", async () => {
    const sku = uniqueSku('unit-elsewhere');
    await insertSku(db, sku, 10);
    const order = (units: string): UnitOrder => ({ id: randomUUID(), sku, userId: randomUUID(), quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units });
    const mine = order('{[5,6)}');
    // Another process met the same deduction and wrote this very order first; unit 1 is sold to someone else.
    expect(await insertUnitOrders(db, [mine, order('{[1,2)}')])).toHaveProperty('size', 2);
    const writer = createOrderWriter(db, 64, () => undefined);
    const results = await Promise.all([writer.write(mine), writer.write(order('{[1,2)}')), writer.write(order('{[6,7)}'))]);
    expect(results).toEqual(['written_elsewhere', 'units_taken', 'inserted']);
  });

  it('is refused as taken, not as past the per-user limit, when its buyer is also past the limit', async () => {
    const sku = uniqueSku('unit-limit');
    await insertSku(db, sku, 10, { maxPerUser: 1 });
    const order = (userId: string, units: string): UnitOrder => ({ id: randomUUID(), sku, userId, quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units });
    const writer = createOrderWriter(db, 64, () => undefined);
    expect(await writer.write(order('u', '{[1,2)}'))).toBe('inserted');
    expect(await writer.write(order('v', '{[2,3)}'))).toBe('inserted');
    // u is at the limit and unit 2 is v's: a strategy told 'per_user_limit' would put unit 2 back on sale.
    expect(await writer.write(order('u', '{[2,3)}'))).toBe('units_taken');
    expect(await writer.write(order('u', '{[3,4)}'))).toBe('per_user_limit');
  });

  it('is refused when two processes write it at once: one order stands, the other statement waits for its commit and raises', async () => {
    for (let round = 0; round < 10; round += 1) {
      const sku = uniqueSku('unit-race');
      await insertSku(db, sku, 10);
      const order = (units: string): UnitOrder => ({ id: randomUUID(), sku, userId: randomUUID(), quantity: 2, strategy: 'redis-lua', idempotencyKey: randomUUID(), units });
      // Units in opposite orders: the trigger takes them sorted, so the two wait, never deadlock.
      const results = await Promise.allSettled([insertUnitOrders(db, [order('{[1,3)}')]), insertUnitOrders(db, [order('{[2,3),[1,2)}')])]);
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect(refused[0]?.status === 'rejected' ? (refused[0].reason as { constraint?: string }).constraint : undefined).toBe('sold_units_pkey');
      const rows = await db.selectFrom('orders').select('id').where('sku', '=', sku).execute();
      expect(rows).toHaveLength(1);
    }
  });

  it("cannot be moved: an order's units never change after its INSERT", async () => {
    const sku = uniqueSku('units-fixed');
    await insertSku(db, sku, 10);
    const id = randomUUID();
    await insertUnitOrders(db, [{ id, sku, userId: 'u', quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units: '{[4,5)}' }]);
    await expect(sql`update orders set units = '{[5,6)}' where id = ${id}::uuid`.execute(db)).rejects.toThrow(/never change/);
  });
});
