import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { kafkaBrokers } from '../../services/shared/config.js';
import { createMetrics } from '../../services/shared/metrics.js';
import { queuedPurchasesKey } from '../../services/strategies/kafka-queue/keys.js';
import { isMarkedSoldOut } from '../../services/shared/sold-out-flag.js';
import { type QueuedPurchase, queuedOrderIds } from '../../services/strategies/kafka-queue/queued-purchase.js';
import type { WorkerDeps } from '../../services/strategies/strategy.js';
import { createKafkaSender } from '../../services/shared/kafka-sender.js';
import { createKafka } from '../../services/shared/kafka.js';
import { applyQueuedPurchases } from '../../services/strategies/kafka-queue/applier.js';
import { type RunningApi, adminToken, audit, createSku, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';

// The worker's batched apply, called directly on the real stores: one SKU's
// run of queued purchases in one transaction.
const config = testConfig();
// The order ids the API under test gives (same config, same secret).
const queuedOrderId = queuedOrderIds(config);
const log = pino({ level: 'silent' });
const db = createDb({ connectionString: config.DATABASE_URL, poolMax: 4, acquireTimeoutMs: 5000, statementTimeoutMs: 5000, applicationName: 'batch-apply-test' });
const redis = mainRedis('batch-apply-test');
const kafka = createKafkaSender(createKafka(kafkaBrokers(config), 'batch-apply-test', log), config);
// What the worker's applier uses: no etcd, no Redlock quorum.
const deps: WorkerDeps = { db, redis, kafka, config, log, metrics: createMetrics() };

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
  await Promise.allSettled([db.destroy(), redis.quit(), kafka.close()]);
});

function queued(sku: string, quantity: number, userId = `u-${randomUUID().slice(0, 6)}`): QueuedPurchase {
  const idempotencyKey = randomUUID();
  return { orderId: queuedOrderId(idempotencyKey), sku, userId, quantity, idempotencyKey, requestedAt: Date.now() };
}

async function ordersOf(sku: string) {
  return db.selectFrom('orders').select(['id', 'status', 'quantity', 'reason']).where('sku', '=', sku).execute();
}

describe('applyQueuedPurchases: one transaction per SKU and batch', () => {
  it('splits a batch that straddles the sell-out, in queue order', async () => {
    const sku = uniqueSku('straddle');
    await createSku(api, sku, 5);
    // 2 + 2 fit, the third 2 does not (1 left), the 1 after it still does: as one-by-one application would decide.
    const batch = [queued(sku, 2), queued(sku, 2), queued(sku, 2), queued(sku, 1), queued(sku, 1)];
    const applied = await applyQueuedPurchases(deps, sku, batch);
    expect(applied.kind).toBe('applied');
    if (applied.kind !== 'applied') return;
    expect(applied.plan.confirmed.map((p) => p.orderId)).toEqual([batch[0], batch[1], batch[3]].map((p) => p?.orderId));
    expect(applied.plan.rejected.map((p) => p.orderId)).toEqual([batch[2], batch[4]].map((p) => p?.orderId));
    expect(applied.stockLeft).toBe(0);
    const statuses = new Map((await ordersOf(sku)).map((order) => [order.id, order.status]));
    expect(batch.map((p) => statuses.get(p.orderId))).toEqual(['confirmed', 'confirmed', 'rejected', 'confirmed', 'rejected']);
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 5, oversoldUnits: 0, pgStock: 0, redisStock: 0, consistent: true });
    // Sold out: the front door may refuse without queueing.
    expect(await isMarkedSoldOut(redis, sku)).toBe(true);
  });

  it('changes nothing when the whole batch is delivered again', async () => {
    const sku = uniqueSku('redelivery');
    await createSku(api, sku, 10);
    const batch = [queued(sku, 3), queued(sku, 3), queued(sku, 3)];
    await applyQueuedPurchases(deps, sku, batch);
    const before = { orders: await ordersOf(sku), audit: (await audit(api, sku)).body };
    const again = await applyQueuedPurchases(deps, sku, batch);
    expect(again.kind === 'applied' && again.plan).toMatchObject({ confirmed: [], rejected: [], units: 0 });
    expect(again.kind === 'applied' && again.plan.duplicates).toHaveLength(3);
    expect(await ordersOf(sku)).toEqual(before.orders);
    expect((await audit(api, sku)).body).toEqual(before.audit);
    expect(before.audit).toMatchObject({ confirmedUnits: 9, pgStock: 1, redisStock: 1, consistent: true });
  });

  it('applies a key once even when it comes twice in one batch (a re-sent purchase)', async () => {
    const sku = uniqueSku('resent');
    await createSku(api, sku, 10);
    const first = queued(sku, 2);
    const applied = await applyQueuedPurchases(deps, sku, [first, queued(sku, 1), { ...first }]);
    expect(applied.kind === 'applied' && applied.plan.duplicates).toHaveLength(1);
    expect((await audit(api, sku)).body).toMatchObject({ confirmedOrders: 2, confirmedUnits: 3, consistent: true });
  });

  it('rejects only the buyer past the per-user limit, and Redis ends at the truth even when the batch came again', async () => {
    const sku = uniqueSku('limit-batch');
    await createSku(api, sku, 10, adminToken, { maxPerUser: 1 });
    const first = queued(sku, 1, 'buyer-a');
    await applyQueuedPurchases(deps, sku, [first]);
    // Delivered again, with more: the first is a duplicate now, buyer-a's second is past the limit.
    const again = [first, queued(sku, 1, 'buyer-b'), queued(sku, 1, 'buyer-a')];
    const applied = await applyQueuedPurchases(deps, sku, again);
    expect(applied.kind === 'applied' && applied.plan).toMatchObject({ confirmed: [again[1]], rejected: [again[2]], duplicates: [first], units: 1 });
    const reasons = new Map((await ordersOf(sku)).map((order) => [order.id, `${order.status} ${order.reason ?? ''}`.trim()]));
    expect(again.map((p) => reasons.get(p.orderId))).toEqual(['confirmed', 'confirmed', 'rejected per_user_limit']);
    // The batch lowered Redis by 2 before the limit rolled it back: that must come back.
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 2, pgStock: 8, redisStock: 8, consistent: true });
  });

  it('stops listing applied purchases as queued in Redis', async () => {
    const sku = uniqueSku('forget');
    await createSku(api, sku, 10);
    const batch = [queued(sku, 1), queued(sku, 1)];
    for (const purchase of batch) await redis.hset(queuedPurchasesKey(sku), purchase.orderId, JSON.stringify(purchase));
    expect((await audit(api, sku)).body).toMatchObject({ pendingUnits: 2, consistent: false });
    await applyQueuedPurchases(deps, sku, batch);
    expect(await redis.hlen(queuedPurchasesKey(sku))).toBe(0);
    expect((await audit(api, sku)).body).toMatchObject({ pendingUnits: 0, confirmedUnits: 2, consistent: true });
  });
});
