import { createHmac } from 'node:crypto';
import type { Config } from '../../shared/config.js';

/**
 * A kafka-queue purchase as the front door records it in Redis and puts it on
 * PURCHASE_TOPIC, keyed by SKU; the worker writes its order from it.
 */
export interface QueuedPurchase {
  orderId: string;
  sku: string;
  userId: string;
  quantity: number;
  idempotencyKey: string;
  /** When the front door accepted it (ms since the epoch): the order's created_at. */
  requestedAt: number;
}

/**
 * How queued purchases get their order ids: from the Idempotency-Key, so every
 * attempt with one key names the same order (a send that timed out but did
 * reach Kafka and its retry end in one order that the buyer's Location points
 * at), in any process and after a restart. Keyed (HMAC-SHA-256 with a server
 * secret, as a version-8 UUID): with a plain hash, anyone who learned a key
 * could compute the order id and read the order. The secret is ORDER_ID_SECRET,
 * or one derived from ADMIN_TOKEN when that is unset, so every process of one
 * deployment agrees without another setting to distribute.
 */
export function queuedOrderIds(config: Pick<Config, 'ORDER_ID_SECRET' | 'ADMIN_TOKEN'>): (idempotencyKey: string) => string {
  const secret = config.ORDER_ID_SECRET ?? createHmac('sha256', config.ADMIN_TOKEN).update('kafka-queue order ids').digest();
  return (idempotencyKey) => {
    const hex = createHmac('sha256', secret).update(idempotencyKey).digest('hex');
    const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  };
}

function asQueuedPurchase(parsed: unknown): QueuedPurchase | undefined {
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { orderId, sku, userId, quantity, idempotencyKey, requestedAt } = parsed as Record<string, unknown>;
  if (typeof orderId !== 'string' || typeof sku !== 'string' || typeof userId !== 'string' || typeof idempotencyKey !== 'string') return undefined;
  if (typeof quantity !== 'number' || !Number.isInteger(quantity) || quantity < 1 || typeof requestedAt !== 'number') return undefined;
  return { orderId, sku, userId, quantity, idempotencyKey, requestedAt };
}

function parseJson(value: Buffer | string): unknown {
  try {
    return JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** One recorded purchase (the Redis record); undefined for anything else. */
export function parseQueuedPurchase(value: Buffer | string | null): QueuedPurchase | undefined {
  return value === null ? undefined : asQueuedPurchase(parseJson(value));
}

/**
 * A PURCHASE_TOPIC message: the purchases of one SKU that the front door sent
 * together, as a JSON array, in the order they were accepted (or one purchase
 * as a lone object, as messages were before packing). Undefined when
 * the message or any purchase in it is unreadable (a poison message).
 */
export function parseQueuedMessage(value: Buffer | null): QueuedPurchase[] | undefined {
  if (value === null) return undefined;
  const parsed = parseJson(value);
  // A lone object is a message from before purchases were packed: still a purchase, not poison.
  const purchases = (Array.isArray(parsed) ? parsed : [parsed]).map(asQueuedPurchase);
  return purchases.every((purchase) => purchase !== undefined) ? purchases : undefined;
}

/** The message for purchases already serialised one by one (as recorded in Redis). */
export function queuedMessage(purchaseJsons: readonly string[]): string {
  return `[${purchaseJsons.join(',')}]`;
}
