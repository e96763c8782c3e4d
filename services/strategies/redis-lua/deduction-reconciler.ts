import { closeUnwrittenOrder, existingOrderIds } from '../../../db/queries/orders.js';
import { allShards, returnedUnitsKey, stockKey } from '../../shared/redis-keys.js';
import { deductionKey, deductionLedgerKey, ledgerMember, parseLedgerMember } from './keys.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import { redisNowMs } from '../../shared/redis.js';
import { type Deduction, parseDeduction, unitCount, unitsLiteral } from './deductions.js';
import { recordChange } from '../common/reconciliation-log.js';
import type { BaseDeps } from '../strategy.js';

// Ledger entries looked at per round; a full batch goes again at once.
const batchSize = 1000;
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface Entry {
  member: string;
  sku: string;
  idempotencyKey: string;
  deduction: Deduction;
}

/**
 * Gives back redis-lua deductions whose order never came: the API died
 * between the script and the INSERT, PostgreSQL did not answer, or Redis ran
 * the script after the client had given up on it (a paused Redis). Every
 * deduction enters a ledger in the same script that takes the stock; the
 * order writer takes written orders out again. An entry older than
 * `graceMs` (longer than any request's own attempt to write its order) is
 * looked up in PostgreSQL: with an order it leaves the ledger; without one
 * its order id is closed in PostgreSQL (closeUnwrittenOrder), and then its
 * units are given back (restore-stock-4.lua, owner-checked, so two API
 * processes never give back twice).
 *
 * Why close the id first: an INSERT can still be on its way when the grace
 * ends (sent into a paused PostgreSQL, whose client gave up long ago; the
 * full fault run saw one commit as PostgreSQL resumed from a 15 s pause).
 * Had the units gone back first, that order would hold units Redis sells
 * again: no oversell (PostgreSQL refuses the second order of a unit), but
 * a counter above the truth until someone tried to buy them.
 */
export function startDeductionReconciler(deps: BaseDeps, graceMs: number): PollLoop {
  /** One shard's ledger: every SKU in it shares its slot, so one MGET reads their markers. */
  async function shardRound(shard: number, cutoff: number): Promise<number> {
    const ledger = deductionLedgerKey(shard);
    const members = await deps.redis.zrangebyscore(ledger, '-inf', cutoff, 'LIMIT', 0, batchSize);
    if (members.length === 0) return 0;
    const named = members.map((member) => ({ member, ...parseLedgerMember(member) }));
    const markers = await deps.redis.mget(named.map((entry) => (entry.sku === undefined ? ledger : deductionKey(entry.sku, entry.idempotencyKey ?? ''))));
    const settled: string[] = [];
    const open: Entry[] = [];
    named.forEach((entry, index) => {
      const marker = markers[index];
      const deduction = marker === null || marker === undefined ? undefined : parseDeduction(marker);
      // No marker: given back already, dropped, or lost with Redis's data (the counter rebuild covers that).
      if (entry.sku === undefined || entry.idempotencyKey === undefined || deduction === undefined || !uuid.test(deduction.orderId)) settled.push(entry.member);
      else open.push({ member: entry.member, sku: entry.sku, idempotencyKey: entry.idempotencyKey, deduction });
    });
    const ordered = await existingOrderIds(deps.db, open.map((entry) => entry.deduction.orderId));
    const stranded = open.filter((entry) => !ordered.has(entry.deduction.orderId));
    settled.push(...open.filter((entry) => ordered.has(entry.deduction.orderId)).map((entry) => entry.member));
    if (settled.length > 0) await deps.redis.zrem(ledger, ...settled);
    for (const entry of stranded) {
      const { sku, idempotencyKey, deduction } = entry;
      const late = await closeUnwrittenOrder(deps.db, { id: deduction.orderId, sku, userId: '', quantity: unitCount(deduction), strategy: 'redis-lua' });
      if (late === 'written') {
        await deps.redis.zrem(ledger, entry.member);
        continue;
      }
      const units = await deps.redis.restoreStock(stockKey(sku), deductionKey(sku, idempotencyKey), returnedUnitsKey(sku), ledger, deduction.orderId, ledgerMember(sku, idempotencyKey), '1');
      if (units > 0) {
        await recordChange(deps, { sku, action: 'deduction_given_back', units: unitCount(deduction), orderId: deduction.orderId, detail: `no order after ${graceMs} ms; units ${unitsLiteral(deduction)}` });
      }
    }
    return members.length;
  }
  async function round(): Promise<number> {
    const cutoff = (await redisNowMs(deps.redis)) - graceMs;
    let looked = 0;
    // A full batch from any shard makes the loop go again at once (batchSize below).
    for (const shard of allShards) looked = Math.max(looked, await shardRound(shard, cutoff));
    return looked;
  }
  return startPollLoop(round, { idleMs: 1000, failureMs: 1000, batchSize, log: deps.log, what: 'deduction reconciler' });
}
