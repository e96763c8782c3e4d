// The SKU sits in braces (a hash tag) so every key of one SKU lands on the
// same Redis Cluster slot and a Lua script may touch them together.
const prefix = 'fsi';

export function stockKey(sku: string): string {
  return `${prefix}:{${sku}}:stock`;
}

/** Which order took stock for an Idempotency-Key, so a retry never takes it twice. */
export function deductionKey(sku: string, idempotencyKey: string): string {
  return `${prefix}:{${sku}}:deduction:${idempotencyKey}`;
}
