/** What a batched decision needs of each purchase. */
export interface Claim {
  idempotencyKey: string;
  quantity: number;
}

export type Verdict = 'confirmed' | 'rejected' | 'duplicate';

export interface Allocation<T extends Claim> {
  /** One verdict per purchase, in the order given. */
  verdicts: Verdict[];
  confirmed: T[];
  rejected: T[];
  /** Their Idempotency-Key has an order already, or came earlier in this batch. */
  duplicates: T[];
  /** Units the confirmed ones take: the one stock UPDATE's amount. */
  units: number;
}

/**
 * Decides a batch of one SKU's purchases against its stock, greedy in
 * arrival (or queue) order: each purchase is decided as if it ran alone right
 * after the ones before it, so batching changes how many commits are paid,
 * never who gets the stock. A refused large purchase does not block a later,
 * smaller one that still fits. A key that has an order, or that came earlier
 * in the batch, is a duplicate, as the unique index would make it one
 * request at a time. Shared by pg-batched and the queue worker.
 */
export function allocate<T extends Claim>(stock: number, purchases: readonly T[], alreadyOrdered: ReadonlySet<string>): Allocation<T> {
  const allocation: Allocation<T> = { verdicts: [], confirmed: [], rejected: [], duplicates: [], units: 0 };
  const seen = new Set(alreadyOrdered);
  for (const purchase of purchases) {
    if (seen.has(purchase.idempotencyKey)) {
      allocation.verdicts.push('duplicate');
      allocation.duplicates.push(purchase);
      continue;
    }
    seen.add(purchase.idempotencyKey);
    if (purchase.quantity <= stock - allocation.units) {
      allocation.verdicts.push('confirmed');
      allocation.confirmed.push(purchase);
      allocation.units += purchase.quantity;
    } else {
      allocation.verdicts.push('rejected');
      allocation.rejected.push(purchase);
    }
  }
  return allocation;
}
