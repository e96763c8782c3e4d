import { skuKey } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and why the SKU is a hash tag: shared/redis-keys.ts).

export function redlockKey(sku: string): string {
  return skuKey(sku, 'redlock');
}
