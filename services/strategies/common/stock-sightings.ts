// One entry per SKU sold through this process; 10,000 SKUs is ~1 MB and far
// more than one flash sale has hot at once. The oldest entry goes first.
const maxSkus = 10_000;
// How old a sighting may be to stand in for a buyer's read before its wait (see recent()).
export const sightingFreshMs = 1_000;

/**
 * The last stock a buyer in this process saw while it alone could change it
 * (a lock holder, a row-lock holder, a winning version write),
 * per SKU, and when. A buyer still waiting for the lock may answer sold_out
 * as soon as a holder has seen too little stock after the buyer arrived: at
 * that moment, during the buyer's request, the stock really was short (true
 * then, even if a released hold puts units back later). Without this, every buyer who passed the lock-free check
 * before the sell-out queues for the lock only to read the same zero, one at
 * a time. It can only turn a wait into a sold_out, never into a sale.
 */
export class StockSightings {
  private readonly seen = new Map<string, { stock: number; at: number }>();

  /** Call while still holding the lock, so no other holder changed it since. */
  record(sku: string, stock: number): void {
    this.seen.delete(sku);
    this.seen.set(sku, { stock, at: Date.now() });
    if (this.seen.size > maxSkus) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
  }

  /**
   * The stock seen here within `maxAgeMs`, or undefined. Only to skip a
   * buyer's read before it waits in line when enough was left a moment ago:
   * the decision is made later, under the lock or the version check. Under
   * load every turn refreshes it, so buyers stop queueing for a pooled
   * connection ahead of the holder's write (a 10x overload left 1,567 of
   * redis-lock's keys unanswered after 10 tries that way).
   */
  recent(sku: string, maxAgeMs: number): number | undefined {
    const sighting = this.seen.get(sku);
    return sighting !== undefined && Date.now() - sighting.at <= maxAgeMs ? sighting.stock : undefined;
  }

  /** True when a holder saw fewer than `quantity` units at or after `since` (epoch ms). */
  soldOutSince(sku: string, quantity: number, since: number): boolean {
    const sighting = this.seen.get(sku);
    return sighting !== undefined && sighting.at >= since && sighting.stock < quantity;
  }
}
