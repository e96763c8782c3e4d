import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import { type Answer, type AuditBody, type RunningApi, auditWhen, testConfig, countBy, createSku, get, patient, purchase, settle, uniqueSku } from '../helpers/api.js';
import { openDb, orderStatuses, startApiWithWorker } from '../helpers/worker.js';
import { until } from '../helpers/wait.js';
import type { Redis } from 'ioredis';
import { soldOutFlagKey } from '../../services/shared/redis-keys.js';
import { markSoldOut } from '../../services/shared/sold-out-flag.js';
import { mainRedis } from '../helpers/redis.js';
import type { MainRedis } from '../../services/shared/redis.js';

// Short holds, swept every 20 ms: a test sees holds lapse in seconds.
const sweepEvery = { ...patient, HOLD_SWEEP_MS: '20' };

let api: RunningApi;
let stop: () => Promise<void>;
let db: Kysely<Database>;
let redis: MainRedis;

beforeAll(async () => {
  ({ api, stop } = await startApiWithWorker(sweepEvery));
  db = openDb();
  redis = mainRedis('reservations-test');
});

afterAll(async () => {
  await stop();
  await db.destroy();
  redis.disconnect();
});

const hold = (sku: string, userId = `u-${randomUUID().slice(0, 8)}`) => purchase(api, { sku, userId, strategy: 'reserve' });
const orderIdOf = (answer: Answer): string => String(answer.body.orderId);
const settledAudit = (sku: string): Promise<AuditBody> => auditWhen(api, sku, (body) => body.consistent === true);

describe('reserve: a hold, then pay or release', () => {
  it('a hold answers 201 reserved with expiresAt; confirm pays it once, under its own key', async () => {
    const sku = uniqueSku('hold-confirm');
    expect((await createSku(api, sku, 3)).status).toBe(201);
    const held = await hold(sku);
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({ status: 'reserved', strategy: 'reserve' });
    const expiresAt = Date.parse(String(held.body.expiresAt));
    // The default hold is 600 s, timed by PostgreSQL's clock (the same machine's here).
    expect(expiresAt - Date.now()).toBeGreaterThan(590_000);
    expect(await settledAudit(sku)).toMatchObject({ reservedUnits: 1, confirmedUnits: 0, expectedStock: 2, pgStock: 2, redisStock: 2 });

    const key = randomUUID();
    const paid = await settle(api, orderIdOf(held), 'confirm', key);
    expect(paid.status).toBe(200);
    expect(paid.body).toMatchObject({ orderId: orderIdOf(held), status: 'confirmed', expiresAt: held.body.expiresAt });
    const again = await settle(api, orderIdOf(held), 'confirm', key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // Another key is another payment attempt: refused, not charged twice.
    expect(await settle(api, orderIdOf(held), 'confirm')).toMatchObject({ status: 409, body: { code: 'order_not_reserved', orderStatus: 'confirmed' } });
    expect(await settle(api, orderIdOf(held), 'cancel')).toMatchObject({ status: 409, body: { code: 'order_not_reserved' } });
    // The same key on a cancel of this order, or on another order, is a reuse.
    expect(await settle(api, orderIdOf(held), 'cancel', key)).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });
    const other = await hold(sku);
    expect(await settle(api, orderIdOf(other), 'confirm', key)).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });
    // The same on an order that is no live hold: the key is spent, whatever the order.
    const sold = await purchase(api, { sku, strategy: 'pg-atomic' });
    expect(sold.status).toBe(201);
    expect(await settle(api, orderIdOf(sold), 'cancel', key)).toMatchObject({ status: 422, body: { code: 'idempotency_key_reused' } });

    expect(await settledAudit(sku)).toMatchObject({ confirmedUnits: 2, reservedUnits: 1, releasedUnits: 0, oversoldUnits: 0 });
    expect(await get(api, `/v1/orders/${orderIdOf(held)}`)).toMatchObject({ status: 200, body: { status: 'confirmed' } });
  });

  it('a purchase retried under its key gets the hold back as first answered, even once paid', async () => {
    const sku = uniqueSku('hold-replay');
    await createSku(api, sku, 1);
    const key = randomUUID();
    const first = await purchase(api, { sku, userId: 'buyer', strategy: 'reserve', key });
    expect(first.status).toBe(201);
    await settle(api, orderIdOf(first), 'confirm');
    const retry = await purchase(api, { sku, userId: 'buyer', strategy: 'reserve', key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
  });

  it('cancel puts the units back on sale at once, in PostgreSQL and Redis', async () => {
    const sku = uniqueSku('hold-cancel');
    await createSku(api, sku, 1);
    const held = await hold(sku);
    expect((await hold(sku)).status).toBe(409);
    const key = randomUUID();
    expect(await settle(api, orderIdOf(held), 'cancel', key)).toMatchObject({ status: 200, body: { status: 'cancelled' } });
    expect((await settle(api, orderIdOf(held), 'cancel', key)).headers.get('idempotent-replayed')).toBe('true');
    expect(await settle(api, orderIdOf(held), 'confirm')).toMatchObject({ status: 409, body: { code: 'order_not_reserved', orderStatus: 'cancelled' } });
    const resold = await hold(sku);
    expect(resold.status).toBe(201);
    expect(await settledAudit(sku)).toMatchObject({ reservedUnits: 1, releasedUnits: 1, pgStock: 0, redisStock: 0, oversoldUnits: 0 });
  });

  it('a hold counts against the per-user limit until it ends unpaid', async () => {
    const sku = uniqueSku('hold-limit');
    await createSku(api, sku, 5, undefined, { maxPerUser: 1, holdSeconds: 60 });
    const held = await hold(sku, 'one-each');
    expect(held.status).toBe(201);
    expect(await hold(sku, 'one-each')).toMatchObject({ status: 409, body: { code: 'per_user_limit' } });
    await settle(api, orderIdOf(held), 'cancel');
    // Cancelled: the buyer's unit is back in the count too, so a new hold is allowed.
    const again = await hold(sku, 'one-each');
    expect(again.status).toBe(201);
    // Expired the same way: its end moved to now, the sweeper releases it, and the buyer may hold again.
    await db.updateTable('orders').set({ expires_at: sql<Date>`now()` }).where('id', '=', orderIdOf(again)).execute();
    await auditWhen(api, sku, (body) => body.releasedUnits === 2 && body.consistent === true, 10_000);
    expect((await hold(sku, 'one-each')).status).toBe(201);
    expect(await db.selectFrom('user_purchases').select('units').where('sku', '=', sku).where('user_id', '=', 'one-each').executeTakeFirst()).toEqual({ units: 1 });
  });

  it('units back from a hold are on sale to kafka-queue too: the sold-out flag goes, and is never left set over stock', async () => {
    const sku = uniqueSku('hold-flag');
    await createSku(api, sku, 1, undefined, { holdSeconds: 60 });
    const held = await hold(sku);
    // The queue's worker finds the stock at 0 and flags the SKU sold out for its front door.
    expect((await purchase(api, { sku, strategy: 'kafka-queue' })).status).toBe(202);
    await until('the sold-out flag', () => redis.exists(soldOutFlagKey(sku)), (n) => n === 1, 10_000);
    expect((await purchase(api, { sku, strategy: 'kafka-queue' })).status).toBe(409);
    await settle(api, orderIdOf(held), 'cancel');
    await until('the sold-out flag gone', () => redis.exists(soldOutFlagKey(sku)), (n) => n === 0, 5_000);
    expect((await purchase(api, { sku, strategy: 'kafka-queue' })).status).toBe(202);
    expect(await auditWhen(api, sku, (body) => body.pendingUnits === 0 && body.consistent === true)).toMatchObject({ confirmedUnits: 1, releasedUnits: 1 });
    // A release that lands between the worker's sell-out and its flag: the flag is set, then
    // PostgreSQL read again, and the flag dropped since the stock is back.
    await markSoldOut(redis, sku, () => Promise.resolve(1));
    expect(await redis.exists(soldOutFlagKey(sku))).toBe(0);
    await markSoldOut(redis, sku, () => Promise.resolve(0));
    expect(await redis.exists(soldOutFlagKey(sku))).toBe(1);
  });

  it('confirm and cancel answer problems for orders that are not holds', async () => {
    const sku = uniqueSku('not-a-hold');
    await createSku(api, sku, 1);
    const sold = await purchase(api, { sku, strategy: 'pg-atomic' });
    expect(await settle(api, orderIdOf(sold), 'confirm')).toMatchObject({ status: 409, body: { code: 'order_not_reserved', orderStatus: 'confirmed' } });
    expect(await settle(api, randomUUID(), 'cancel')).toMatchObject({ status: 404, body: { code: 'order_not_found' } });
    const noKey = await fetch(`${api.url}/v1/orders/${orderIdOf(sold)}/confirm`, { method: 'POST' });
    expect(noKey.status).toBe(400);
  });

  it('confirm racing expiry: each hold ends once, paid or released, and the stock counts it once', async () => {
    const sku = uniqueSku('hold-race');
    const holds = 120;
    // 3 s: every hold is taken well before the first one ends, even on a slow machine.
    await createSku(api, sku, holds, undefined, { holdSeconds: 3 });
    const held = await Promise.all(Array.from({ length: holds }, (_, i) => hold(sku, `racer-${i}`)));
    expect(countBy(held)).toEqual({ 201: holds });
    // Each confirm is sent at its hold's end plus an offset from -150 ms to +150 ms:
    // the early ones must win, the late ones must lose, and those near the end race the sweeper.
    const answers = await Promise.all(
      held.map(async (answer, i) => {
        const sendAt = Date.parse(String(answer.body.expiresAt)) + ((i % 31) - 15) * 10;
        await sleep(Math.max(0, sendAt - Date.now()));
        return settle(api, orderIdOf(answer), 'confirm');
      }),
    );
    const statuses = countBy(answers);
    expect(Object.keys(statuses).sort()).toEqual(['200', '409']);
    for (const answer of answers.filter((a) => a.status === 409)) expect(answer.body.code).toBe('hold_expired');
    const final = await settledAudit(sku);
    const paid = statuses[200] ?? 0;
    // Every answer agrees with what its own order became: 200 ⇔ confirmed, 409 ⇔ expired.
    const rows = await db.selectFrom('orders').select(['id', 'status']).where('sku', '=', sku).execute();
    const became = new Map(rows.map((row) => [row.id, row.status]));
    const disagreeing = held.filter((answer, i) => became.get(orderIdOf(answer)) !== (answers[i]?.status === 200 ? 'confirmed' : 'expired'));
    expect(disagreeing).toEqual([]);
    expect(await orderStatuses(db, sku)).toEqual({ confirmed: paid, expired: holds - paid });
    expect(final).toMatchObject({ confirmedUnits: paid, reservedUnits: 0, releasedUnits: holds - paid, pgStock: holds - paid, redisStock: holds - paid, oversoldUnits: 0 });
  });

  it('confirm racing cancel, and a confirm sent twice at once under one key: each hold ends once', async () => {
    const sku = uniqueSku('hold-settle-race');
    const holds = 40;
    await createSku(api, sku, holds, undefined, { holdSeconds: 60 });
    const held = await Promise.all(Array.from({ length: holds }, (_, i) => hold(sku, `settler-${i}`)));
    const raced = await Promise.all(
      held.map(async (answer, i) => {
        if (i % 2 === 0) return Promise.all([settle(api, orderIdOf(answer), 'confirm'), settle(api, orderIdOf(answer), 'cancel')]);
        const key = randomUUID();
        return Promise.all([settle(api, orderIdOf(answer), 'confirm', key), settle(api, orderIdOf(answer), 'confirm', key)]);
      }),
    );
    for (const [i, [a, b]] of raced.entries()) {
      if (i % 2 === 0) {
        // Exactly one of confirm and cancel ends the hold; the other is told what it became.
        expect([a.status, b.status].sort()).toEqual([200, 409]);
        expect((a.status === 409 ? a : b).body.code).toBe('order_not_reserved');
      } else {
        expect([a.status, b.status]).toEqual([200, 200]);
        expect([a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')].filter((h) => h === 'true')).toHaveLength(1);
      }
    }
    const cancelled = raced.filter(([a], i) => i % 2 === 0 && a.body.status === 'cancelled').length
      + raced.filter(([, b], i) => i % 2 === 0 && b.body.status === 'cancelled').length;
    expect(await settledAudit(sku)).toMatchObject({ confirmedUnits: holds - cancelled, releasedUnits: cancelled, reservedUnits: 0, pgStock: cancelled, redisStock: cancelled });
  });

  it('300 buyers on 50 units, half the holds lapse: those units sell again, nothing oversold or lost', async () => {
    const sku = uniqueSku('hold-resale');
    const stock = 50;
    // Holds long enough to outlast the burst on a slow machine; the test then ends the
    // walk-aways' holds itself, as their clock running out would (the sweeper does the rest).
    await createSku(api, sku, stock, undefined, { holdSeconds: 60 });
    const buyers = Array.from({ length: 300 }, (_, i) => `buyer-${i}`);
    const first = await Promise.all(buyers.map((buyer) => hold(sku, buyer)));
    expect(countBy(first)).toEqual({ 201: stock, 409: 250 });
    const holders = first.filter((a) => a.status === 201);
    // Half pay at once; the other half walk away and let their holds lapse.
    const paid = await Promise.all(holders.slice(0, 25).map((a) => settle(api, orderIdOf(a), 'confirm')));
    expect(countBy(paid)).toEqual({ 200: 25 });
    await db.updateTable('orders').set({ expires_at: sql<Date>`now()` }).where('id', 'in', holders.slice(25).map(orderIdOf)).execute();
    await auditWhen(api, sku, (body) => body.releasedUnits === 25 && body.consistent === true, 10_000);

    // The 250 turned away try again: exactly the 25 released units are held again, and paid.
    const turnedAway = buyers.filter((_, i) => first[i]?.status === 409);
    const second = await Promise.all(turnedAway.map((buyer) => hold(sku, buyer)));
    expect(countBy(second)).toEqual({ 201: 25, 409: 225 });
    const repaid = await Promise.all(second.filter((a) => a.status === 201).map((a) => settle(api, orderIdOf(a), 'confirm')));
    expect(countBy(repaid)).toEqual({ 200: 25 });

    expect(await settledAudit(sku)).toMatchObject({ confirmedUnits: 50, reservedUnits: 0, releasedUnits: 25, oversoldUnits: 0, pgStock: 0, redisStock: 0 });
    expect(await orderStatuses(db, sku)).toEqual({ confirmed: 50, expired: 25 });
  });
});
