import { randomUUID } from 'node:crypto';
import { openLease } from '../../../../db/queries/leases.js';
import { returnedUnitsKey, shardOf, stockKey } from '../../../shared/redis-keys.js';
import { multirangeLiteral, parseUnitRanges, type UnitRanges } from '../unit-ranges.js';
import type { BaseDeps } from '../../strategy.js';
import { leaseKeys, leaseLedgerKey, parseLeaseMember } from './keys.js';
import { endLease } from './lease-end.js';

export interface LeaseAsk {
  /** Units wanted, and the least the lease may hold (the buyer's quantity). */
  want: number;
  least: number;
  /** Near the end a lease takes at most the counter / max(spread, the SKU's live leases of this ledger), ... */
  spread: number;
  /** ... but never fewer than this many while the counter has them. */
  leastShare: number;
  /** When the reconciler of any process ends it, if nobody did before. */
  lifetimeMs: number;
  /** Told which store the take waits on, step by step (for an answer at the buyer's deadline). */
  waitingOn?: (store: 'redis' | 'postgres') => void;
}

/** What taking a lease off the counter gave. */
export type LeaseTaken =
  | { kind: 'leased'; id: string; ranges: UnitRanges }
  // held: leases of the SKU were live when the counter said so (their unsold units may come back).
  | { kind: 'sold_out'; left: number; held: boolean }
  | { kind: 'no_counter' }
  // Closed by a reconciler between Redis and PostgreSQL, twice in a row: the caller answers 503.
  | { kind: 'closed' };

/**
 * Takes a stock lease off the SKU's Redis counter (take-lease-4.lua: units
 * named as every unit-naming strategy names them, a record, a ledger entry
 * by lapse time) and opens its fence row in PostgreSQL before any unit of it
 * is sold. If PostgreSQL fails, nothing of it is sold and the reconciler
 * gives it back when it lapses. If a reconciler closed it first (the taker
 * stalled past the lifetime between the two calls), it is ended here (the
 * units back, once) and one more is taken.
 */
export async function takeLease(deps: Pick<BaseDeps, 'db' | 'redis'>, ledger: string, sku: string, ask: LeaseAsk, again = true): Promise<LeaseTaken> {
  ask.waitingOn?.('redis');
  const id = randomUUID();
  const k = leaseKeys(sku, id, ledger);
  const [kind, value, leasesOfSku] = await deps.redis.takeLease(stockKey(sku), returnedUnitsKey(sku), k.record, k.ledger, ask.want, k.member, ask.lifetimeMs, ask.least, ask.spread, ask.leastShare);
  if (kind === -1) return { kind: 'no_counter' };
  if (kind === 0) return { kind: 'sold_out', left: Number(value), held: leasesOfSku > 0 };
  const ranges = parseUnitRanges(String(value));
  if (ranges === undefined) throw new Error(`unreadable lease ${id} of ${sku}: ${String(value)}`);
  ask.waitingOn?.('postgres');
  if (await openLease(deps.db, { id, sku, units: multirangeLiteral(ranges), ledger })) return { kind: 'leased', id, ranges };
  await endLease(deps, ledger, sku, id, ranges);
  return again ? takeLease(deps, ledger, sku, ask, false) : { kind: 'closed' };
}

/** Whether any lease of the SKU in this ledger is live (taken and not ended): its unsold units may still come back. */
export async function leasesLive(deps: Pick<BaseDeps, 'redis'>, ledger: string, sku: string): Promise<boolean> {
  return listsSku(await deps.redis.zrange(leaseLedgerKey(shardOf(sku), ledger), 0, -1), sku);
}

function listsSku(members: readonly unknown[], sku: string): boolean {
  return members.some((member) => typeof member === 'string' && parseLeaseMember(member)?.sku === sku);
}

/** The SKU's counter (0 when missing) and whether a lease of the ledger is live, read in one step (both on the SKU's slot). */
export async function counterAndFills(deps: Pick<BaseDeps, 'redis'>, ledger: string, sku: string): Promise<[number, boolean]> {
  const replies = await deps.redis.multi().get(stockKey(sku)).zrange(leaseLedgerKey(shardOf(sku), ledger), 0, -1).exec();
  const [counter, members] = replies ?? [];
  if (counter?.[0] || members?.[0]) throw counter?.[0] ?? members?.[0];
  return [Number(counter?.[1] ?? 0), listsSku(Array.isArray(members?.[1]) ? members[1] : [], sku)];
}
