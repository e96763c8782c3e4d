import { keyPrefix, skuKey } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and why the SKU is a hash tag: shared/redis-keys.ts).

export function deductionKey(sku: string, idempotencyKey: string): string {
  return skuKey(sku, `deduction:${idempotencyKey}`);
}

export const deductionLedgerKey = `${keyPrefix}:deductions`;

export function ledgerMember(sku: string, idempotencyKey: string): string {
  return `${sku} ${idempotencyKey}`;
}

export function parseLedgerMember(member: string): { sku: string; idempotencyKey: string } | undefined {
  const space = member.indexOf(' ');
  return space <= 0 ? undefined : { sku: member.slice(0, space), idempotencyKey: member.slice(space + 1) };
}
