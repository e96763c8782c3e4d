import { soldOutFlagKey } from '../shared/sold-out-flag.js';
import { queuedMarkerKey, queuedOrderKey, queuedPurchasesKey, stockKey } from '../shared/redis-keys.js';
import { createKeyedBatcher } from './batching/sku-batcher.js';
import { parseQueuedPurchase, type QueuedPurchase, queuedMessage, queuedOrderId } from './queued-purchase.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'kafka-queue';

// The marker must outlive every retry of one Idempotency-Key; 24 h is the
// usual retention of such keys, and PostgreSQL keeps the order after that.
const markerTtlMs = 24 * 60 * 60 * 1000;

// Purchases of one SKU in one Kafka message at most: ~150 bytes each, so a
// message stays far below Kafka's 1 MB default while a burst still packs.
const maxPurchasesPerMessage = 500;

/**
 * Queue smoothing (peak shaving). The front door touches no PostgreSQL: one
 * Redis script refuses a SKU the worker has seen sell out (or an unknown one)
 * and records the purchase as queued under its Idempotency-Key, then one
 * Kafka send (acks from all in-sync replicas) queues it, keyed by SKU so one
 * SKU's purchases stay in order. The buyer gets 202 and polls
 * GET /v1/orders/:id, which answers `pending` from Redis until the worker has
 * written the order. The worker applies the queue in batches at
 * QUEUE_APPLY_MAX_PER_SECOND whatever the spike.
 *
 * Recorded before sent: a message never reaches the worker unrecorded. A
 * failed send is undone (unqueuePurchase) and answered 503; a crash between
 * the two leaves a queued record without a message, which the next retry
 * with the same key sends again (the worker applies a key once).
 */
export function createKafkaQueue(deps: StrategyDeps): Strategy {
  const keys = (purchase: { sku: string; idempotencyKey: string; orderId: string }) => ({
    marker: queuedMarkerKey(purchase.sku, purchase.idempotencyKey),
    queued: queuedPurchasesKey(purchase.sku),
    order: queuedOrderKey(purchase.orderId),
  });

  // The purchases of one SKU accepted while its previous message is out leave
  // together, as one message (a JSON array, in acceptance order): kafkajs
  // encodes per message, and that encoding was a tenth of the front door's CPU.
  // Keyed by SKU, so one SKU's purchases still reach one partition in order.
  const messages = createKeyedBatcher<string, boolean>({
    windowMs: 0,
    maxSize: maxPurchasesPerMessage,
    flush: async (sku, jsons) => {
      try {
        await deps.kafka.send(deps.config.PURCHASE_TOPIC, [{ key: sku, value: queuedMessage(jsons) }]);
        return jsons.map(() => true);
      } catch (error: unknown) {
        deps.log.warn({ err: error, sku, purchases: jsons.length }, 'purchases not queued');
        return jsons.map(() => false);
      }
    },
  });

  const send = (purchase: QueuedPurchase, json: string): Promise<boolean> => messages.submit(purchase.sku, json);

  /** A retry of a purchase still waiting for the worker: send it again, in case the first send never happened. */
  async function resendIfStillQueued(earlier: QueuedPurchase, request: PurchaseRequest, json: string): Promise<void> {
    if (earlier.userId !== request.userId || earlier.quantity !== request.quantity) return;
    if ((await deps.redis.hexists(queuedPurchasesKey(earlier.sku), earlier.orderId)) === 1) await send(earlier, json);
  }

  return {
    name,
    description: 'Purchase recorded in Redis and queued to Kafka by SKU (no PostgreSQL at the front door); the worker applies the queue in batches at a capped rate (202, then poll the order).',
    async: true,
    refusalChecksKey: true,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      const purchase: QueuedPurchase = {
        orderId: queuedOrderId(request.idempotencyKey),
        sku: request.sku,
        userId: request.userId,
        quantity: request.quantity,
        idempotencyKey: request.idempotencyKey,
        requestedAt: Date.now(),
      };
      const json = JSON.stringify(purchase);
      const k = keys(purchase);
      const [kind, value] = await deps.redis.queuePurchase(soldOutFlagKey(request.sku), stockKey(request.sku), k.marker, k.queued, k.order, purchase.orderId, json, markerTtlMs);
      if (kind === 0) return { kind: 'sold_out' };
      if (kind === -1) return { kind: 'unknown_sku' };
      if (kind === 2) {
        const earlier = parseQueuedPurchase(String(value));
        if (earlier === undefined) throw new Error(`unreadable queued purchase under ${k.marker}`);
        await resendIfStillQueued(earlier, request, String(value));
        return { kind: 'duplicate', earlier: { ...earlier, strategy: name } };
      }
      if (await send(purchase, json)) return { kind: 'pending', orderId: purchase.orderId };
      await deps.redis.unqueuePurchase(k.marker, k.queued, k.order, purchase.orderId, json);
      return { kind: 'unavailable', dependency: 'kafka', reason: 'purchase not queued' };
    },
  };
}
