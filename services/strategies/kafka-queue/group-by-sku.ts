import type { QueuedPurchase } from './queued-purchase.js';

/** Splits a partition's messages into runs of one SKU each, keeping each SKU's order. */
export function groupBySku(purchases: readonly QueuedPurchase[]): Map<string, QueuedPurchase[]> {
  const groups = new Map<string, QueuedPurchase[]>();
  for (const purchase of purchases) {
    const group = groups.get(purchase.sku);
    if (group === undefined) groups.set(purchase.sku, [purchase]);
    else group.push(purchase);
  }
  return groups;
}
