import { shardKey, shardOf, skuKey } from '../../../shared/redis-keys.js';

// The Redis keys of stock leases (the shared ones, and how keys are placed on a cluster: shared/redis-keys.ts).
// Each strategy that takes leases keeps its own ledger (`ledger`, a name), so its reconciler ends only
// its own leases, in its own way; a lease's record is named by its id alone.

/** A lease's record: the units it took. */
export function leaseKey(sku: string, leaseId: string): string {
  return skuKey(sku, `lease:${leaseId}`);
}

/** The shard's leases of one ledger, by when each lapses: the reconciler reads one range per shard. */
export function leaseLedgerKey(shard: number, ledger: string): string {
  return shardKey(shard, ledger);
}

/** A ledger member: "<sku> <lease id>" (neither holds a space). */
export function leaseMember(sku: string, leaseId: string): string {
  return `${sku} ${leaseId}`;
}

export function parseLeaseMember(member: string): { sku: string; leaseId: string } | undefined {
  const space = member.indexOf(' ');
  return space <= 0 ? undefined : { sku: member.slice(0, space), leaseId: member.slice(space + 1) };
}

/** The keys a lease's scripts take: its record, its shard's ledger, its member there. */
export interface LeaseKeys {
  record: string;
  ledger: string;
  member: string;
}

export function leaseKeys(sku: string, leaseId: string, ledger: string): LeaseKeys {
  return { record: leaseKey(sku, leaseId), ledger: leaseLedgerKey(shardOf(sku), ledger), member: leaseMember(sku, leaseId) };
}
