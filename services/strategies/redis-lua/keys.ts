import { shardKey, skuKey } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and how keys are placed on a cluster: shared/redis-keys.ts).

export function deductionKey(sku: string, idempotencyKey: string): string {
  return skuKey(sku, `deduction:${idempotencyKey}`);
}

/**
 * Every deduction of the shard's SKUs not yet known to have its order, by
 * time taken (members are ledgerMember()): the reconciler reads one range per shard.
 */
export function deductionLedgerKey(shard: number): string {
  return shardKey(shard, 'deductions');
}

/** A ledger member: the SKU and the Idempotency-Key (neither holds a space). */
export function ledgerMember(sku: string, idempotencyKey: string): string {
  return `${sku} ${idempotencyKey}`;
}

export function parseLedgerMember(member: string): { sku: string; idempotencyKey: string } | undefined {
  const space = member.indexOf(' ');
  return space <= 0 ? undefined : { sku: member.slice(0, space), idempotencyKey: member.slice(space + 1) };
}
