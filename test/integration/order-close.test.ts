import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeUnwrittenOrder, insertUnitOrders, type UnitOrder } from '../../db/queries/orders.js';
import { createOrderWriter } from '../../services/strategies/common/order-writer.js';
import { type RunningApi, createSku, startApi, uniqueSku } from '../helpers/api.js';
import { openDb } from '../helpers/worker.js';

// closeUnwrittenOrder on the real PostgreSQL: the step that lets redis-lua
// give units back without an INSERT still on its way writing their order.
const db = openDb();
let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
  await db.destroy();
});

function unitOrder(sku: string, unit: number): UnitOrder {
  return { id: randomUUID(), sku, userId: 'u1', quantity: 1, strategy: 'redis-lua', idempotencyKey: randomUUID(), units: `{[${unit},${unit + 1})}` };
}
const closing = (order: UnitOrder) => ({ id: order.id, sku: order.sku, userId: '', quantity: order.quantity, strategy: order.strategy });

describe('closing an order id before its units are given back', () => {
  it('waits for an INSERT of that id in progress and says it was written once it commits', async () => {
    const sku = uniqueSku('close-in-progress');
    await createSku(api, sku, 5);
    const order = unitOrder(sku, 1);
    let commit: () => void = () => undefined;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    let inserted: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (inserted = resolve));
    const writer = db.transaction().execute(async (trx) => {
      await insertUnitOrders(trx, [order]);
      inserted();
      await committed;
    });
    await held;
    let settled = false;
    const closed = closeUnwrittenOrder(db, closing(order)).finally(() => (settled = true));
    // The uncommitted row is invisible to a read, but the primary key makes the close wait for it.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(settled).toBe(false);
    commit();
    await writer;
    expect(await closed).toBe('written');
  });

  it('makes a later INSERT of that id write nothing, and leaves the buyer key free', async () => {
    const sku = uniqueSku('close-before');
    await createSku(api, sku, 5);
    const order = unitOrder(sku, 1);
    expect(await closeUnwrittenOrder(db, closing(order))).toBe('closed');
    // Twice (two API processes reconciling) is still closed.
    expect(await closeUnwrittenOrder(db, closing(order))).toBe('closed');
    expect(await insertUnitOrders(db, [order])).toEqual(new Set());
    // The same key with a new order id (a retry decided afresh) is written.
    const retry = { ...unitOrder(sku, 1), idempotencyKey: order.idempotencyKey };
    expect(await insertUnitOrders(db, [retry])).toEqual(new Set([retry.id]));
  });

  it('tells the order writer that a closed id is being given back, not that its units are sold', async () => {
    const sku = uniqueSku('close-writer');
    await createSku(api, sku, 5);
    const order = unitOrder(sku, 2);
    await closeUnwrittenOrder(db, closing(order));
    const writer = createOrderWriter(db, 10, () => undefined);
    expect(await writer.write(order)).toBe('given_back');
    // A unit another order holds is still "units_taken".
    const holder = unitOrder(sku, 3);
    expect(await writer.write(holder)).toBe('inserted');
    expect(await writer.write({ ...unitOrder(sku, 3) })).toBe('units_taken');
  });
});
