import { keyPrefix, skuKey } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and why the SKU is a hash tag: shared/redis-keys.ts).

export function queuedMarkerKey(sku: string, idempotencyKey: string): string {
  return skuKey(sku, `queued-key:${idempotencyKey}`);
}

export function queuedPurchasesKey(sku: string): string {
  return skuKey(sku, 'queued');
}

export function queuedOrderKey(orderId: string): string {
  return `${keyPrefix}:queued-order:${orderId}`;
}

export function queuedUnsentKey(sku: string): string {
  return skuKey(sku, 'unsent');
}

export function queueSweepSkusKey(): string {
  return `${keyPrefix}:queue-sweep-skus`;
}
