import { findOrderByIdempotencyKey, insertOrder, requeueUnqueuedOrder, settlePendingOrder } from '../../db/queries/orders.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import { isMarkedSoldOut } from '../shared/sold-out-flag.js';
import { orderRow } from './orders.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'kafka-queue';

/** Why an order the front door could not hand to Kafka was rejected. */
export const notQueuedReason = 'not_queued';

/** What the front door puts on PURCHASE_TOPIC, keyed by SKU; the worker applies it. */
export interface PurchaseMessage {
  orderId: string;
  sku: string;
  userId: string;
  quantity: number;
}

/** The worker's side of the contract: undefined for anything that is not a PurchaseMessage. */
export function parsePurchaseMessage(value: Buffer | null): PurchaseMessage | undefined {
  if (value === null) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { orderId, sku, userId, quantity } = parsed as Record<string, unknown>;
    if (typeof orderId !== 'string' || typeof sku !== 'string' || typeof userId !== 'string' || typeof quantity !== 'number') return undefined;
    return { orderId, sku, userId, quantity };
  } catch {
    return undefined;
  }
}

/**
 * Queue smoothing (peak shaving): the front door only records a pending order
 * and queues it; the worker applies the queue at QUEUE_APPLY_MAX_PER_SECOND,
 * SKU by SKU in order, whatever the spike. The buyer gets 202 and polls
 * GET /v1/orders/:id. Once the worker has seen the stock reach 0 it sets a
 * Redis flag, and the front door answers 409 at once instead of queueing.
 *
 * The dual write goes PostgreSQL first, Kafka second: a message can then never
 * name an order the worker cannot find, and a failed send is undone by
 * marking the order rejected (`not_queued`), which the worker skips should the
 * message have reached Kafka after all. A crash between the two leaves a
 * pending order that no message will settle (see README).
 */
export function createKafkaQueue(deps: StrategyDeps): Strategy {
  async function soldOutFlagSet(sku: string): Promise<boolean> {
    try {
      return await isMarkedSoldOut(deps.redis, sku);
    } catch (error: unknown) {
      // The flag only sheds load; without Redis the worker still decides correctly.
      deps.log.debug({ err: error, sku }, 'sold-out flag unreadable; queueing anyway');
      return false;
    }
  }

  async function enqueue(message: PurchaseMessage): Promise<PurchaseOutcome> {
    try {
      await deps.kafka.send(deps.config.PURCHASE_TOPIC, [{ key: message.sku, value: JSON.stringify(message) }]);
      return { kind: 'pending', orderId: message.orderId };
    } catch (error: unknown) {
      deps.log.warn({ err: error, orderId: message.orderId }, 'purchase not queued');
    }
    // Not pending any more means the send did reach Kafka and the worker already settled it.
    if (!(await settlePendingOrder(deps.db, message.orderId, 'rejected', notQueuedReason))) {
      return { kind: 'pending', orderId: message.orderId };
    }
    return { kind: 'unavailable', dependency: 'kafka', reason: 'purchase not queued' };
  }

  /** A retry after a 503 finds its rejected not_queued order and queues it again. */
  async function retryOrDuplicate(request: PurchaseRequest): Promise<PurchaseOutcome> {
    const existing = await findOrderByIdempotencyKey(deps.db, request.idempotencyKey);
    if (existing === undefined || !(await requeueUnqueuedOrder(deps.db, existing.id, notQueuedReason))) return { kind: 'duplicate' };
    return enqueue({ orderId: existing.id, sku: existing.sku, userId: existing.user_id, quantity: existing.quantity });
  }

  return {
    name,
    description: 'Pending order in PostgreSQL, queued to Kafka by SKU; the worker applies the queue at a capped rate (202, then poll the order).',
    async: true,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      if (await soldOutFlagSet(request.sku)) return { kind: 'sold_out' };
      try {
        await insertOrder(deps.db, orderRow(request, name, 'pending'));
      } catch (error: unknown) {
        // orders.sku references skus.sku: the insert itself says the SKU is unknown, no lookup per request.
        if (isForeignKeyViolation(error)) return { kind: 'unknown_sku' };
        if (isUniqueViolation(error)) return retryOrDuplicate(request);
        throw error;
      }
      return enqueue({ orderId: request.orderId, sku: request.sku, userId: request.userId, quantity: request.quantity });
    },
  };
}
