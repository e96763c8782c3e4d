import { findQueuedPurchase, listQueuedPurchases, queuedKeys } from './pending.js';
import type { CounterRebuild } from '../common/counter-rebuild.js';
import { msLeft } from '../../../lib/deadline.js';
import { KafkaSendRefusedError } from '../../shared/kafka-sender.js';
import { shardOf, soldOutFlagKey, stockKey } from '../../shared/redis-keys.js';
import { queuedMarkerKey, queuedOrderKey, queuedPurchasesKey, queuedUnsentKey, queueSweepSkusKey } from './keys.js';
import { createKeyedBatcher } from '../../../lib/sku-batcher.js';
import { parseQueuedPurchase, type QueuedPurchase, queuedMessage, queuedOrderIds } from './queued-purchase.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'kafka-queue';

export const kafkaQueueFacts: StrategyFacts = {
  name,
  description: 'Purchase recorded in Redis and queued to Kafka by SKU (no PostgreSQL at the front door); the worker applies the queue in batches at a capped rate (202, then poll the order).',
  ...plainFacts,
  async: true,
  needs: ['worker', 'kafka'],
  keepsStockIn: 'redis',
};

// The marker must outlive every retry of one Idempotency-Key; 24 h is the
// usual retention of such keys, and PostgreSQL keeps the order after that.
const markerTtlMs = 24 * 60 * 60 * 1000;

// Purchases of one SKU in one Kafka message at most: ~150 bytes each, so a
// message stays far below Kafka's 1 MB default while a burst still packs.
export const maxPurchasesPerMessage = 500;

/** How a send ended for the purchases in it. */
type Sent = 'acknowledged' | 'not_sent' | 'unknown';

interface Recorded {
  orderId: string;
  json: string;
  /** When the buyer's answer is due (its purchase deadline, epoch ms); none for a re-send nobody waits on. */
  answerBy?: number;
}

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
 * Recorded before sent, and listed as unsent until Kafka acknowledges it: a
 * message never reaches the worker unrecorded, and a record never stays
 * without its message. With Kafka down the answer is a 503 within the
 * purchase's deadline (PURCHASE_WAIT_MS, or KAFKA_SEND_TIMEOUT_MS if shorter),
 * three ways:
 * - the sender's breaker is open: refused before anything is recorded;
 * - the sender refused the send (it certainly never left): the record is
 *   undone (unqueuePurchase), so a same-key retry queues it afresh;
 * - no acknowledgement in time (the outcome is unknown, it may still land):
 *   the record stays, listed as unsent, and the worker's sweeper sends it
 *   once it is QUEUE_SWEEP_AFTER_MS old; a same-key retry gets its order (202).
 * A crash between the record and the send leaves the same unsent record.
 * Every path names one order per key (queuedOrderIds) and the worker applies
 * a key once, so a late or repeated delivery changes nothing.
 */
export function createKafkaQueue(deps: BaseDeps & Pick<StrategyDeps, 'kafka'>, counters: CounterRebuild): Strategy {
  const orderIdOf = queuedOrderIds(deps.config);
  const keys = (purchase: { sku: string; idempotencyKey: string; orderId: string }) => ({
    marker: queuedMarkerKey(purchase.sku, purchase.idempotencyKey),
    queued: queuedPurchasesKey(purchase.sku),
    order: queuedOrderKey(purchase.orderId),
    unsent: queuedUnsentKey(purchase.sku),
    sweep: queueSweepSkusKey(shardOf(purchase.sku)),
  });

  /**
   * The key GET /v1/orders/:id finds a queued purchase by: on a cluster it is
   * on another slot than the queue script's keys, so it is written here, and
   * awaited before any answer that names the order. A crash before it leaves
   * no buyer with the id; a same-key retry writes it again.
   */
  const rememberOrder = (orderId: string, json: string): Promise<unknown> => deps.redis.set(queuedOrderKey(orderId), json, 'PX', markerTtlMs);

  /** After Kafka's acknowledgement: ONE command per message, and not in the buyer's wait. A failure only costs a re-send by the sweeper. */
  function acknowledged(sku: string, purchases: readonly Recorded[]): void {
    deps.redis.zrem(queuedUnsentKey(sku), ...purchases.map((purchase) => purchase.orderId)).catch((error: unknown) => {
      deps.log.warn({ err: error, sku, purchases: purchases.length }, 'acknowledged purchases still listed as unsent; the sweeper will send them again');
    });
  }

  // The purchases of one SKU accepted while its previous message is out leave
  // together, as one message (a JSON array, in acceptance order): kafkajs
  // encodes per message, and that encoding was a tenth of the front door's CPU.
  // Keyed by SKU, so one SKU's purchases still reach one partition in order.
  const messages = createKeyedBatcher<Recorded, Sent>({
    windowMs: 0,
    maxSize: maxPurchasesPerMessage,
    flush: async (sku, purchases) => {
      try {
        // Sent by the earliest buyer's deadline, so none answers past its own.
        const deadlineAt = Math.min(...purchases.map((purchase) => purchase.answerBy ?? Number.POSITIVE_INFINITY));
        await deps.kafka.send(deps.config.PURCHASE_TOPIC, [{ key: sku, value: queuedMessage(purchases.map((purchase) => purchase.json)) }], deadlineAt);
        acknowledged(sku, purchases);
        return purchases.map((): Sent => 'acknowledged');
      } catch (error: unknown) {
        const sent: Sent = error instanceof KafkaSendRefusedError ? 'not_sent' : 'unknown';
        deps.log.warn({ err: error, sku, purchases: purchases.length, sent }, 'purchases not acknowledged by Kafka');
        return purchases.map(() => sent);
      }
    },
  });

  const unavailable = (result: 'circuit_open' | 'not_sent' | 'unknown', reason: string): PurchaseOutcome => {
    deps.metrics.queueSendFailures.inc({ strategy: name, result });
    return { kind: 'unavailable', dependency: 'kafka', reason };
  };
  const notQueued = (why: string): string =>
    `${why}; the purchase was not queued and nothing was recorded. A retry with the same Idempotency-Key is safe.`;

  /**
   * A retry of a purchase Kafka never acknowledged (a crash, or an unknown
   * outcome): send it again now rather than wait for the sweeper. Not in the
   * buyer's wait: the answer (its order, 202) does not depend on it, and a
   * failed re-send is the sweeper's. One already acknowledged is not re-sent,
   * so buyers retrying while the worker is slow do not flood Kafka.
   */
  async function resendIfUnsent(earlier: QueuedPurchase, request: PurchaseRequest, json: string): Promise<void> {
    if (earlier.userId !== request.userId || earlier.quantity !== request.quantity) return;
    if ((await deps.redis.zscore(queuedUnsentKey(earlier.sku), earlier.orderId)) === null) return;
    void messages.submit(earlier.sku, { orderId: earlier.orderId, json });
  }

  /**
   * The breaker is open: refuse without recording. A retry of a purchase
   * recorded earlier must still get its order (202), so look for its marker
   * (one Redis read, the same answer the queue script would give).
   */
  async function refusedBeforeRecording(request: PurchaseRequest): Promise<PurchaseOutcome> {
    const earlier = parseQueuedPurchase(await deps.redis.get(queuedMarkerKey(request.sku, request.idempotencyKey)));
    if (earlier !== undefined) return { kind: 'duplicate', earlier: { ...earlier, strategy: name } };
    return unavailable('circuit_open', notQueued(`Kafka is unavailable (a send failed; the next try is at most ${deps.config.KAFKA_BREAKER_COOLDOWN_MS} ms away)`));
  }

  return {
    ...kafkaQueueFacts,
    // The Redis marker may have been lost with Redis's data: PostgreSQL is asked before a refusal stands.
    refusalChecksKey: false,
    findPendingPurchase: (orderId) => findQueuedPurchase(deps.redis, orderId),
    pendingPurchases: (sku) => listQueuedPurchases(deps.redis, sku),
    // Queued purchases leave this list after the worker's commit, so it and PostgreSQL, read in that order, miss none.
    keysWithoutOrders: (sku) => queuedKeys(deps.redis, sku),
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      const purchase: QueuedPurchase = {
        orderId: orderIdOf(request.idempotencyKey),
        sku: request.sku,
        userId: request.userId,
        quantity: request.quantity,
        idempotencyKey: request.idempotencyKey,
        requestedAt: Date.now(),
      };
      const json = JSON.stringify(purchase);
      const k = keys(purchase);
      // No use recording what cannot be sent now: a clean refusal, at once.
      if (!deps.kafka.accepting()) return refusedBeforeRecording(request);
      const [kind, value] = await deps.redis.queuePurchase(soldOutFlagKey(request.sku), stockKey(request.sku), k.marker, k.queued, k.unsent, k.sweep, purchase.orderId, json, markerTtlMs, request.sku);
      if (kind === 0) return { kind: 'sold_out' };
      if (kind === -1) {
        // No counter: an unknown SKU, or one whose counter Redis lost (rebuilt from PostgreSQL meanwhile; 503 until then).
        if ((await counters.counterMissing(request.sku)) === 'unknown_sku') return { kind: 'unknown_sku' };
        return { kind: 'unavailable', dependency: 'redis', reason: 'stock counter lost; rebuilding it from PostgreSQL' };
      }
      if (kind === 2) {
        const earlier = parseQueuedPurchase(String(value));
        if (earlier === undefined) throw new Error(`unreadable queued purchase under ${k.marker}`);
        await Promise.all([resendIfUnsent(earlier, request, String(value)), rememberOrder(earlier.orderId, String(value))]);
        return { kind: 'duplicate', earlier: { ...earlier, strategy: name } };
      }

      const left = msLeft();
      const answerBy = left === undefined ? undefined : Date.now() + left;
      // Written while the message is out, so the answer waits for the slower of the two, not both.
      const [sent] = await Promise.all([messages.submit(request.sku, { orderId: purchase.orderId, json, answerBy }), rememberOrder(purchase.orderId, json)]);
      if (sent === 'acknowledged') return { kind: 'pending', orderId: purchase.orderId };
      if (sent === 'not_sent') {
        const undone = await deps.redis.unqueuePurchase(k.marker, k.queued, k.unsent, purchase.orderId, json, String(value));
        // Kept: the sweeper is sending it, or another request with this key was answered 202 with it. It stays queued.
        if (undone === 2) return { kind: 'pending', orderId: purchase.orderId };
        // Only if it is still this request's: a same-key retry may have queued it afresh since (release-lock-1 is that compare-and-delete).
        if (undone === 1) await deps.redis.releaseLock(k.order, json);
        return unavailable('not_sent', notQueued('Kafka is unavailable'));
      }
      return unavailable(
        'unknown',
        'Kafka did not acknowledge the purchase within the wait (PURCHASE_WAIT_MS, KAFKA_SEND_TIMEOUT_MS), so whether it was queued is unknown. ' +
          `It is recorded as order ${purchase.orderId} and will be applied or rejected once Kafka answers (the worker re-sends it); ` +
          'a retry with the same Idempotency-Key is safe and answers 202 with this order.',
      );
    },
  };

}
