import { shardKey, shardOf, skuKey } from '../../shared/redis-keys.js';

// This strategy's own Redis keys (the shared ones, and how keys are placed on a cluster: shared/redis-keys.ts).

/** A lease's record: the units it took. */
export function leaseKey(sku: string, leaseId: string): string {
  return skuKey(sku, `lease:${leaseId}`);
}

/** The shard's leases, by when each lapses: the reconciler reads one range per shard. */
export function leaseLedgerKey(shard: number): string {
  return shardKey(shard, 'leases');
}

/** A ledger member: "<sku> <lease id>" (neither holds a space). */
export function leaseMember(sku: string, leaseId: string): string {
  return `${sku} ${leaseId}`;
}

export function parseLeaseMember(member: string): { sku: string; leaseId: string } | undefined {
  const space = member.indexOf(' ');
  return space <= 0 ? undefined : { sku: member.slice(0, space), leaseId: member.slice(space + 1) };
}

export function leaseKeys(sku: string, leaseId: string): { record: string; ledger: string; member: string } {
  return { record: leaseKey(sku, leaseId), ledger: leaseLedgerKey(shardOf(sku)), member: leaseMember(sku, leaseId) };
}
