import type { Consumer, Kafka } from 'kafkajs';
import { findOrder, lockPendingOrder, settlePendingOrder } from '../../db/queries/orders.js';
import { deductIfAvailable, readStock } from '../../db/queries/skus.js';
import { stockKey } from '../shared/redis-keys.js';
import { markSoldOut } from '../shared/sold-out-flag.js';
import { parsePurchaseMessage } from '../strategies/kafka-queue.js';
import type { StrategyDeps } from '../strategies/strategy.js';
import { createConsumer, purchaseApplierGroup, logGroupEvents } from './consumers.js';
import { createTokenBucket } from './token-bucket.js';

const strategy = 'kafka-queue';

type Applied =
  | { kind: 'skipped' }
  | { kind: 'confirmed'; sku: string; quantity: number; stockLeft: number }
  | { kind: 'rejected'; sku: string; stockLeft: number | undefined };

/** Like mirrorToRedis, but says whether Redis took the change, so it can be undone. */
async function adjustRedisStock(deps: StrategyDeps, sku: string, delta: number): Promise<boolean> {
  try {
    return (await deps.redis.adjustStock(stockKey(sku), delta)) !== null;
  } catch (error: unknown) {
    deps.metrics.stockMirrorFailures.inc({ strategy, store: 'redis' });
    deps.log.warn({ err: error, sku, delta, strategy }, 'stock change not copied to Redis');
    return false;
  }
}

/**
 * Applies one queued purchase, idempotently by order id: the order row is
 * locked and only a still-pending order is settled, so a redelivered message
 * (at-least-once) changes nothing the second time.
 *
 * Unlike pg-atomic, Redis is mirrored just BEFORE the commit, under the order's
 * row lock. A client polling its order (or the audit) could otherwise see it
 * confirmed while Redis still holds the old count; and should the commit fail,
 * Redis is left lower than the truth (never higher, which a Redis-deciding
 * strategy on the same SKU could oversell on), and is given back below when
 * the order is visibly still pending.
 */
export async function applyPurchase(deps: StrategyDeps, orderId: string): Promise<Applied> {
  let takenInRedis: { sku: string; quantity: number } | undefined;
  let applied: Applied;
  try {
    applied = await deps.db.transaction().execute(async (trx): Promise<Applied> => {
      const order = await lockPendingOrder(trx, orderId);
      if (order === undefined) return { kind: 'skipped' };
      const stockLeft = await deductIfAvailable(trx, order.sku, order.quantity);
      if (stockLeft !== undefined) {
        await settlePendingOrder(trx, orderId, 'confirmed', null);
        if (await adjustRedisStock(deps, order.sku, -order.quantity)) takenInRedis = { sku: order.sku, quantity: order.quantity };
        return { kind: 'confirmed', sku: order.sku, quantity: order.quantity, stockLeft };
      }
      await settlePendingOrder(trx, orderId, 'rejected', 'sold_out');
      return { kind: 'rejected', sku: order.sku, stockLeft: (await readStock(trx, order.sku))?.stock };
    });
  } catch (error: unknown) {
    if (takenInRedis !== undefined) {
      // Give back only when the order is visibly not confirmed; if PostgreSQL cannot say, Redis stays low (safe side).
      const order = await findOrder(deps.db, orderId).catch(() => null);
      if (order?.status === 'pending') await adjustRedisStock(deps, takenInRedis.sku, takenInRedis.quantity);
    }
    throw error;
  }
  if (applied.kind !== 'skipped' && applied.stockLeft === 0) {
    // From now on the front door answers 409 without queueing. Best effort: the worker still decides.
    await markSoldOut(deps.redis, applied.sku).catch((error: unknown) => deps.log.warn({ err: error, sku: applied.sku }, 'sold-out flag not set'));
  }
  return applied;
}

/**
 * The consumer group on PURCHASE_TOPIC. Messages are keyed by SKU, so one
 * SKU's purchases sit in one partition and are applied in the order they
 * were queued; different partitions run side by side. Offsets are committed
 * by kafkajs only for messages whose handler returned (after the commit above).
 */
export async function startPurchaseApplier(kafka: Kafka, deps: StrategyDeps): Promise<Consumer> {
  // A tenth of a second's worth of burst: absorbs timer jitter without letting a spike through.
  const bucket = createTokenBucket(deps.config.QUEUE_APPLY_MAX_PER_SECOND, Math.ceil(deps.config.QUEUE_APPLY_MAX_PER_SECOND / 10));
  const consumer = createConsumer(kafka, purchaseApplierGroup);
  logGroupEvents(consumer, purchaseApplierGroup, deps.log);
  await consumer.connect();
  // fromBeginning only matters the first time the group exists: nothing queued before is skipped.
  await consumer.subscribe({ topics: [deps.config.PURCHASE_TOPIC], fromBeginning: true });
  await consumer.run({
    // One message in flight per partition: order within a SKU, parallelism across SKUs.
    partitionsConsumedConcurrently: deps.config.TOPIC_PARTITIONS,
    eachMessage: async ({ message, partition }) => {
      const request = parsePurchaseMessage(message.value);
      if (request === undefined) {
        // A poison message must not block its partition forever: log it and move on.
        deps.log.error({ partition, offset: message.offset }, 'unreadable purchase message skipped');
        return;
      }
      await bucket.take();
      const applied = await applyPurchase(deps, request.orderId);
      deps.log.debug({ orderId: request.orderId, result: applied.kind }, 'purchase applied');
    },
  });
  return consumer;
}
