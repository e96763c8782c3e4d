import type { MainRedis } from '../../shared/redis.js';
import type { PendingPurchase } from '../strategy.js';
import { queuedOrderKey, queuedPurchasesKey } from './keys.js';
import { parseQueuedPurchase, type QueuedPurchase } from './queued-purchase.js';

/** A purchase accepted (202) that the worker has not written as an order yet; throws when Redis cannot say (not "no such order"). */
export async function findQueuedPurchase(redis: MainRedis, orderId: string): Promise<PendingPurchase | undefined> {
  const purchase = parseQueuedPurchase(await redis.get(queuedOrderKey(orderId)));
  return purchase === undefined ? undefined : { orderId: purchase.orderId, sku: purchase.sku, quantity: purchase.quantity };
}

async function queuedOf(redis: MainRedis, sku: string): Promise<QueuedPurchase[]> {
  const listed = await redis.hvals(queuedPurchasesKey(sku));
  return listed.map((value) => parseQueuedPurchase(value)).filter((purchase) => purchase !== undefined);
}

/** The SKU's queued purchases as Redis lists them; null when Redis cannot say. */
export async function listQueuedPurchases(redis: MainRedis, sku: string): Promise<PendingPurchase[] | null> {
  return queuedOf(redis, sku).catch(() => null);
}

/** The Idempotency-Keys of the SKU's queued purchases; throws when Redis cannot say. */
export async function queuedKeys(redis: MainRedis, sku: string): Promise<string[]> {
  return (await queuedOf(redis, sku)).map((purchase) => purchase.idempotencyKey);
}
