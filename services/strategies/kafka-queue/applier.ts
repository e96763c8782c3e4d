import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { findOrder, insertOrders, keysWithOrders } from '../../../db/queries/orders.js';
import { findSku, lockStock, takeStock } from '../../../db/queries/skus.js';
import { isPerUserLimit } from '../../../db/errors.js';
import type { NewOrder } from '../../../db/schema.js';
import { decidedCopiedKey, stockKey } from '../../shared/redis-keys.js';
import { queuedOrderKey, queuedPurchasesKey, queuedUnsentKey } from './keys.js';
import { copyDecided, counterMissedCopy } from '../common/stock-mirror.js';
import { deleteKeys } from '../../shared/redis.js';
import { markSoldOut } from '../../shared/sold-out-flag.js';
import { kafkaQueueFacts } from './index.js';
import { parseQueuedMessage, type QueuedPurchase } from './queued-purchase.js';
import type { WorkerDeps } from '../strategy.js';
import { type Allocation, allocate } from '../common/allocate.js';
import { groupBySku } from './group-by-sku.js';
import { createConsumer, purchaseApplierGroup, logGroupEvents } from '../../worker/consumers.js';
import { createTokenBucket } from '../../../lib/token-bucket.js';

// The orders it writes are the queue strategy's.
const strategy = kafkaQueueFacts.name;

export type Applied = { kind: 'unknown_sku' } | { kind: 'applied'; plan: Allocation<QueuedPurchase>; stockLeft: number };

function orderOf(purchase: QueuedPurchase, status: 'confirmed' | 'rejected', reason = 'sold_out'): NewOrder {
  return {
    id: purchase.orderId,
    sku: purchase.sku,
    user_id: purchase.userId,
    quantity: purchase.quantity,
    strategy,
    status,
    reason: status === 'rejected' ? reason : null,
    idempotency_key: purchase.idempotencyKey,
    // The request's time, so confirmation delays measure the queue, and updated_at (now()) the apply.
    created_at: new Date(purchase.requestedAt),
  };
}

/**
 * Takes back the copy of a batch whose commit visibly failed (uncopy-decided-2.lua). If
 * Redis cannot be told, the SKU is noted: the repair finds the counter's count above
 * decided_units and settles it under the row's lock.
 */
async function uncopy(deps: WorkerDeps, sku: string, copied: { total: number; units: number }): Promise<void> {
  try {
    await deps.redis.uncopyDecided(stockKey(sku), decidedCopiedKey(sku), copied.total, copied.units);
  } catch (error: unknown) {
    counterMissedCopy(deps.redis, sku);
    deps.log.warn({ err: error, sku, ...copied }, 'copy of a batch that did not commit not taken back; the mirror repair will');
  }
}

/** After the commit: the purchases are orders now, so Redis stops listing them as queued (or unsent, for the sweeper). */
export async function forgetQueued(deps: WorkerDeps, sku: string, purchases: QueuedPurchase[]): Promise<void> {
  if (purchases.length === 0) return;
  try {
    const orderIds = purchases.map((purchase) => purchase.orderId);
    // The SKU's two lists in one transaction; the keys by order id sit on other slots of a cluster.
    await Promise.all([
      deps.redis.multi().hdel(queuedPurchasesKey(sku), ...orderIds).zrem(queuedUnsentKey(sku), ...orderIds).exec(),
      deleteKeys(deps.redis, orderIds.map((orderId) => queuedOrderKey(orderId))),
    ]);
  } catch (error: unknown) {
    // Harmless if left: the audit and GET /v1/orders look in PostgreSQL first.
    deps.log.warn({ err: error, sku }, 'applied purchases still listed as queued in Redis');
  }
}

/**
 * Applies one SKU's run of queued purchases in ONE transaction: the SKU's row
 * lock, a look for keys that already have an order (so a redelivered batch
 * changes nothing the second time), one stock UPDATE by the sum of the
 * purchases that fit, and one multi-row INSERT of every order, confirmed or
 * rejected. Redis gets the SKU's new decided_units just before the commit,
 * under the row lock, as before batching: a buyer polling an order confirmed
 * by this commit must not see Redis still holding the old count, and a failed
 * commit leaves Redis lower than the truth (never higher, which a
 * Redis-deciding strategy on the same SKU could oversell on), given back when
 * the orders are visibly absent, else by the mirror repair, which alone may
 * lower the count under the row's lock (stock-mirror.ts).
 */
export async function applyQueuedPurchases(deps: WorkerDeps, sku: string, purchases: QueuedPurchase[]): Promise<Applied> {
  try {
    return await applyTogether(deps, sku, purchases);
  } catch (error: unknown) {
    if (!isPerUserLimit(error)) throw error;
    // A buyer past the SKU's per-user limit fails the one transaction for all: apply them one
    // at a time, so only that buyer's order is rejected (rare: only limited SKUs, only past it).
    if (purchases.length > 1) return applyOneByOne(deps, sku, purchases);
    return refuseOverLimit(deps, sku, purchases);
  }
}

async function applyOneByOne(deps: WorkerDeps, sku: string, purchases: QueuedPurchase[]): Promise<Applied> {
  const plan: Allocation<QueuedPurchase> = { verdicts: [], confirmed: [], rejected: [], duplicates: [], units: 0 };
  let stockLeft = 0;
  for (const purchase of purchases) {
    const one = await applyQueuedPurchases(deps, sku, [purchase]);
    if (one.kind === 'unknown_sku') return one;
    plan.verdicts.push(...one.plan.verdicts);
    plan.confirmed.push(...one.plan.confirmed);
    plan.rejected.push(...one.plan.rejected);
    plan.duplicates.push(...one.plan.duplicates);
    plan.units += one.plan.units;
    stockLeft = one.stockLeft;
  }
  return { kind: 'applied', plan, stockLeft };
}

/** The order of a buyer past the limit, rejected: it holds nothing (the count skips rejected orders), and its buyer polls a final answer. */
async function refuseOverLimit(deps: WorkerDeps, sku: string, purchases: QueuedPurchase[]): Promise<Applied> {
  const ordered = await keysWithOrders(deps.db, purchases.map((purchase) => purchase.idempotencyKey));
  const fresh = purchases.filter((purchase) => !ordered.has(purchase.idempotencyKey));
  await insertOrders(deps.db, fresh.map((purchase) => orderOf(purchase, 'rejected', 'per_user_limit')));
  await forgetQueued(deps, sku, purchases);
  const plan: Allocation<QueuedPurchase> = { verdicts: purchases.map((p) => (fresh.includes(p) ? 'rejected' : 'duplicate')), confirmed: [], rejected: fresh, duplicates: purchases.filter((p) => !fresh.includes(p)), units: 0 };
  return { kind: 'applied', plan, stockLeft: (await findSku(deps.db, sku))?.stock ?? 0 };
}

async function applyTogether(deps: WorkerDeps, sku: string, purchases: QueuedPurchase[]): Promise<Applied> {
  let copied: { total: number; units: number } | undefined;
  let applied: Applied;
  try {
    applied = await deps.db.transaction().execute(async (trx): Promise<Applied> => {
      const stock = await lockStock(trx, sku);
      if (stock === undefined) return { kind: 'unknown_sku' };
      const plan = allocate(stock, purchases, await keysWithOrders(trx, purchases.map((purchase) => purchase.idempotencyKey)));
      if (plan.units > 0) {
        const total = await takeStock(trx, sku, plan.units);
        if (await copyDecided(deps, strategy, sku, total)) copied = { total, units: plan.units };
      }
      await insertOrders(trx, [...plan.confirmed.map((p) => orderOf(p, 'confirmed')), ...plan.rejected.map((p) => orderOf(p, 'rejected'))]);
      return { kind: 'applied', plan, stockLeft: stock - plan.units };
    });
  } catch (error: unknown) {
    const first = purchases[0];
    if (copied !== undefined && first !== undefined) {
      // Give back only when the batch visibly did not commit; if PostgreSQL cannot say, Redis stays low
      // (the safe side) until the mirror repair, under the row lock, sees no commit came.
      // A refusal for the per-user limit is PostgreSQL's answer: the transaction rolled back. (Looking the
      // first order up would not tell: after a redelivery it may be a duplicate whose order exists.)
      const rolledBack = isPerUserLimit(error) || (await findOrder(deps.db, first.orderId).catch(() => null)) === undefined;
      if (rolledBack) await uncopy(deps, sku, copied);
    }
    throw error;
  }
  if (applied.kind === 'unknown_sku') {
    deps.log.error({ sku, purchases: purchases.length }, 'queued purchases of an unknown SKU dropped');
    await forgetQueued(deps, sku, purchases);
    return applied;
  }
  const { plan } = applied;
  await forgetQueued(deps, sku, [...plan.confirmed, ...plan.rejected, ...plan.duplicates]);
  if (applied.stockLeft === 0) {
    // From now on the front door answers 409 without queueing. Best effort: the worker still decides.
    const stockNow = async () => (await findSku(deps.db, sku))?.stock;
    await markSoldOut(deps.redis, sku, stockNow).catch((error: unknown) => deps.log.warn({ err: error, sku }, 'sold-out flag not set'));
  }
  return applied;
}

function readable(deps: WorkerDeps, partition: number, messages: readonly KafkaMessage[]): QueuedPurchase[] {
  const purchases: QueuedPurchase[] = [];
  for (const message of messages) {
    const parsed = parseQueuedMessage(message.value);
    // A poison message must not block its partition forever: log it and move on.
    if (parsed === undefined) deps.log.error({ partition, offset: message.offset }, 'unreadable purchase message skipped');
    else purchases.push(...parsed);
  }
  return purchases;
}

/**
 * The consumer group on PURCHASE_TOPIC, by batch. Messages are keyed by SKU,
 * so one SKU's purchases sit in one partition, in the order they were queued
 * (each message packs several of them, in order). A fetched batch is applied
 * in chunks of about the token bucket's burst (a tenth of a second's budget)
 * in purchases: per chunk, one transaction per SKU, then its offsets are
 * committed, so a crash redoes at most one chunk, which changes nothing the
 * second time (see applyQueuedPurchases).
 */
export async function startPurchaseApplier(kafka: Kafka, deps: WorkerDeps): Promise<Consumer> {
  // A tenth of a second's worth of burst: absorbs timer jitter without letting a spike through.
  const chunkSize = Math.max(1, Math.ceil(deps.config.QUEUE_APPLY_MAX_PER_SECOND / 10));
  const bucket = createTokenBucket(deps.config.QUEUE_APPLY_MAX_PER_SECOND, chunkSize);
  const consumer = createConsumer(kafka, purchaseApplierGroup);
  logGroupEvents(consumer, purchaseApplierGroup, deps.log);
  await consumer.connect();
  // fromBeginning only matters the first time the group exists: nothing queued before is skipped.
  await consumer.subscribe({ topics: [deps.config.PURCHASE_TOPIC], fromBeginning: true });
  await consumer.run({
    // One batch in flight per partition: order within a SKU, parallelism across SKUs.
    partitionsConsumedConcurrently: deps.config.TOPIC_PARTITIONS,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale }) => {
      let start = 0;
      while (start < batch.messages.length) {
        if (!isRunning() || isStale()) return;
        // Whole messages (each packs one SKU's purchases) until the chunk holds a burst's worth of purchases.
        const chunk: QueuedPurchase[] = [];
        let end = start;
        while (end < batch.messages.length && chunk.length < chunkSize) {
          chunk.push(...readable(deps, batch.partition, batch.messages.slice(end, end + 1)));
          end += 1;
        }
        // The smoothing, counted in purchases: a chunk waits until its last purchase's slot.
        await bucket.take(Math.max(1, chunk.length));
        for (const [sku, run] of groupBySku(chunk)) {
          const applied = await applyQueuedPurchases(deps, sku, run);
          if (applied.kind === 'applied') deps.log.debug({ sku, confirmed: applied.plan.confirmed.length, rejected: applied.plan.rejected.length, duplicates: applied.plan.duplicates.length }, 'purchases applied');
        }
        const last = batch.messages[end - 1];
        if (last !== undefined) resolveOffset(last.offset);
        await commitOffsetsIfNecessary();
        await heartbeat();
        start = end;
      }
    },
  });
  return consumer;
}
