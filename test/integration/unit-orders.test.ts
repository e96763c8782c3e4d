import { randomUUID } from 'node:crypto';
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
