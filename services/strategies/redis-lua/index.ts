import { closeUnwrittenOrder, type UnitOrder } from '../../../db/queries/orders.js';
import { classifyDependencyFailure } from '../../shared/dependency-errors.js';
import { returnedUnitsKey, shardOf, stockKey } from '../../shared/redis-keys.js';
import { deductionKey, deductionLedgerKey, ledgerMember, parseLedgerMember } from './keys.js';
import { createOrderWriter } from '../common/order-writer.js';
import { startDeductionReconciler } from './deduction-reconciler.js';
import { type Deduction, parseDeduction, unitCount, unitsLiteral } from './deductions.js';
import { recordChange } from '../common/reconciliation-log.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';
import type { CounterRebuild } from '../common/counter-rebuild.js';
import { startStockCatchUp } from './stock-catch-up.js';

const name = 'redis-lua';

export const redisLuaFacts: StrategyFacts = {
  name,
  description: 'Atomic Redis Lua check-and-decrement naming the units taken (idempotent per key), then the order in PostgreSQL, which refuses a unit sold twice; compensated and reconciled on failure.',
  ...plainFacts,
  decidesIn: 'redis',
  keepsStockIn: 'redis',
};

// The marker must outlive every retry of one Idempotency-Key; 24 h is the
// usual retention of such keys, and PostgreSQL keeps the answer after that.
const deductionTtlMs = 24 * 60 * 60 * 1000;

// Deductions refused because PostgreSQL says their units are sold (Redis lost
// writes) before the buyer gets a 503: each try takes the next units, so a
// counter a few units too high is walked past within one request.
const maxUnitTries = 3;

type Attempt = PurchaseOutcome | { kind: 'units_taken' };

/**
 * Redis decides: one Lua script checks and decrements the counter, names the
 * units taken and marks the Idempotency-Key with them, atomically. PostgreSQL
 * then records the order with an INSERT (batched with the SKU's other orders
 * of the moment, see order-writer.ts) and no UPDATE of the SKU's stock row;
 * the stock catch-up subtracts such orders from skus.stock in batches.
 *
 * PostgreSQL still has the last word on what is sold: it refuses an order
 * whose units another order holds (a Redis that lost writes names units
 * again), so lost writes cost refusals, not oversell. A deduction whose
 * order never came (the API died, PostgreSQL did not answer, Redis ran the
 * script after the client gave up) is given back by the reconciler
 * (deduction-reconciler.ts); a lost counter is rebuilt from PostgreSQL.
 */
export function createRedisLua(deps: BaseDeps, counters: CounterRebuild): Strategy {
  const keysOf = (request: PurchaseRequest) => ({
    stock: stockKey(request.sku),
    marker: deductionKey(request.sku, request.idempotencyKey),
    returned: returnedUnitsKey(request.sku),
    member: ledgerMember(request.sku, request.idempotencyKey),
    ledger: deductionLedgerKey(shardOf(request.sku)),
  });
  // Same bound as pg-batched's batches: the size of one multi-row INSERT.
  // Written orders leave the ledger in one command per batch and shard, not
  // awaited: if it is lost, the reconciler finds the orders and settles them itself.
  const orders = createOrderWriter(deps.db, deps.config.PG_BATCH_MAX_SIZE, (written) => {
    const byShard = new Map<number, string[]>();
    for (const order of written) {
      const shard = shardOf(order.sku);
      const members = byShard.get(shard);
      if (members === undefined) byShard.set(shard, [ledgerMember(order.sku, order.idempotencyKey)]);
      else members.push(ledgerMember(order.sku, order.idempotencyKey));
    }
    for (const [shard, members] of byShard) deps.redis.zrem(deductionLedgerKey(shard), ...members).catch(() => undefined);
  });

  async function giveBack(request: PurchaseRequest, orderId: string): Promise<void> {
    const k = keysOf(request);
    try {
      const units = await deps.redis.restoreStock(k.stock, k.marker, k.returned, k.ledger, orderId, k.member, '1');
      deps.metrics.compensations.inc({ strategy: name, result: units > 0 ? 'restored' : 'not_owner' });
    } catch (error: unknown) {
      // The units stay taken in Redis without an order until the reconciler gives them back.
      deps.metrics.compensations.inc({ strategy: name, result: 'failed' });
      deps.log.error({ err: error, sku: request.sku, orderId }, 'could not give stock back to Redis');
    }
  }

  /** PostgreSQL says the units are sold: drop the deduction (the counter is already past them), keep the units taken. */
  function forgetRefused(request: PurchaseRequest, deduction: Deduction): void {
    const k = keysOf(request);
    deps.redis.restoreStock(k.stock, k.marker, k.returned, k.ledger, deduction.orderId, k.member, '0').catch(() => undefined);
    void recordChange(deps, { sku: request.sku, action: 'units_refused', units: unitCount(deduction), orderId: deduction.orderId, detail: unitsLiteral(deduction) });
  }

  async function tryOnce(request: PurchaseRequest): Promise<Attempt> {
    const k = keysOf(request);
    const [kind, value] = await deps.redis.deductStock(k.stock, k.marker, k.returned, k.ledger, request.quantity, request.orderId, deductionTtlMs, k.member);
    if (kind === -1) {
      const missing = await counters.counterMissing(request.sku);
      return missing === 'unknown_sku' ? { kind: 'unknown_sku' } : { kind: 'unavailable', dependency: 'redis', reason: 'stock counter lost; rebuilding it from PostgreSQL' };
    }
    if (kind === 0) return { kind: 'sold_out' };
    // kind 1: taken now; kind 2: an earlier attempt with this key took these units; finish its order.
    const deduction = parseDeduction(String(value));
    if (deduction === undefined) throw new Error(`unreadable deduction under ${k.marker}: ${String(value)}`);
    const tookNow = kind === 1;
    const order: UnitOrder = { ...request, id: deduction.orderId, strategy: name, units: unitsLiteral(deduction) };
    try {
      const written = await orders.write(order);
      if (written === 'inserted') return { kind: 'confirmed', orderId: deduction.orderId };
      // This deduction's own order, written by an earlier attempt or by another API process that met
      // the same deduction: answered as a replay, and its units stay with it (nothing to give back).
      if (written === 'written_elsewhere') return { kind: 'duplicate' };
      if (written === 'units_taken') {
        forgetRefused(request, deduction);
        return { kind: 'units_taken' };
      }
      // The reconciler closed this key's earlier order id and is giving its units back; once it has, a retry takes units afresh.
      if (written === 'given_back') return { kind: 'unavailable', dependency: 'postgres', reason: 'an earlier attempt with this key is being undone; retry' };
      // The buyer holds as many as the SKU allows: these units go back on sale.
      if (written === 'per_user_limit') {
        await giveBack(request, deduction.orderId);
        return { kind: 'per_user_limit' };
      }
      // The key has its order already (only stock taken by this call is extra), or PostgreSQL has no such SKU.
      if (written === 'unknown_sku' || tookNow) await giveBack(request, deduction.orderId);
      return written === 'unknown_sku' ? { kind: 'unknown_sku' } : { kind: 'duplicate' };
    } catch (error: unknown) {
      const failure = classifyDependencyFailure(error);
      // Whatever failed, this deduction's order may exist all the same: the insert (its own commit)
      // may have reached PostgreSQL, or may still, or another process that met the same deduction
      // (the same key) wrote it. Its id is closed before anything is given back; giving back
      // first once returned the units of 30 standing orders when a batch lost a deadlock.
      const late = await closeUnwrittenOrder(deps.db, { id: deduction.orderId, sku: request.sku, userId: request.userId, quantity: request.quantity, strategy: name }).catch(() => null);
      if (late === 'written') return { kind: 'confirmed', orderId: deduction.orderId };
      if (late === 'closed') await giveBack(request, deduction.orderId);
      if (failure === undefined) throw error;
      if (late === null) return { kind: 'unavailable', dependency: 'postgres', reason: 'order outcome unknown; the units are given back if it was not written, and a retry with the same key finishes it' };
      if (failure.kind === 'timeout') return { kind: 'contended', reason: failure.reason ?? 'PostgreSQL statement timed out' };
      return { kind: 'unavailable', dependency: 'postgres', reason: 'order not written' };
    }
  }

  return {
    ...redisLuaFacts,
    // The Redis marker may have been lost with Redis's data: PostgreSQL is asked before a refusal stands.
    refusalChecksKey: false,
    // In every API process (each is safe side by side): skus.stock catches up with the orders
    // Redis decided, and deductions whose order never came are given back.
    startApiLoops: () => [startStockCatchUp(deps.db, deps.log), startDeductionReconciler(deps, deps.config.REDIS_DEDUCTION_GRACE_MS)],
    // Deductions whose order is not known written: the ledger holds one from the script that took the
    // units until after the order's commit (or until it is given back), so it and PostgreSQL, read in
    // that order, miss none. The shard's ledger is short: only deductions of the last moments are in it.
    async keysWithoutOrders(sku: string): Promise<string[]> {
      const members = await deps.redis.zrange(deductionLedgerKey(shardOf(sku)), 0, -1);
      return members.flatMap((member) => {
        const entry = parseLedgerMember(member);
        return entry?.sku === sku ? [entry.idempotencyKey] : [];
      });
    },
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      for (let attempt = 1; ; attempt += 1) {
        const outcome = await tryOnce(request);
        if (outcome.kind !== 'units_taken') return outcome;
        if (attempt >= maxUnitTries) return { kind: 'unavailable', dependency: 'redis', reason: 'the stock counter named units already sold (Redis lost writes); it is catching up' };
      }
    },
  };
}
