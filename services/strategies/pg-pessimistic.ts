import { insertOrder } from '../../db/queries/orders.js';
import { boundWaits, lockStock, overwriteStock } from '../../db/queries/skus.js';
import { isLockTimeout, isStatementTimeout, isUniqueViolation } from '../../db/errors.js';
import { orderRow } from './orders.js';
import { msLeft } from '../shared/deadline.js';
import { SkuGate } from './sku-gate.js';
import { StockSightings } from './stock-sightings.js';
import { takeTurn } from './sku-turn.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps, StrategyFacts } from './strategy.js';

const name = 'pg-pessimistic';

export const pgPessimisticFacts: StrategyFacts = {
  name,
  description: 'SELECT … FOR UPDATE, check, UPDATE and insert the order in one transaction, with a bounded lock_timeout.',
  async: false,
  safe: true,
  decidesIn: 'postgres',
  needs: [],
};
// What a statement may run past the purchase's deadline: within the 200 ms PURCHASE_WAIT_MS leaves of 1 s.
const statementSlackMs = 150;

/**
 * SELECT … FOR UPDATE takes the SKU's row lock first; the read, the check and
 * the write then happen with nobody else able to touch the row. Buyers queue
 * on the lock for a whole transaction (three statements), longer than the
 * single conditional UPDATE of pg-atomic. lock_timeout bounds the queue: a
 * buyer who waits longer gets a 503 instead of holding a connection forever.
 */
export function createPgPessimistic(deps: StrategyDeps): Strategy {
  // Buyers beyond a few would only wait on the row lock holding a pooled connection each:
  // they wait in line instead, and one whose turn cannot come in time is told at once.
  // Once a row-lock holder here saw the stock run out, those in line behind it answer sold_out without the lock.
  const sightings = new StockSightings();
  const line = { gate: new SkuGate({ concurrency: deps.config.HOT_SKU_WRITERS, maxWaiters: deps.config.LOCK_MAX_WAITERS }), sightings };
  return {
    ...pgPessimisticFacts,
    refusalChecksKey: false,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      // A plain read first (or a fresh sighting, sku-turn.ts): stock seen short at any moment of
      // this request is a true sold-out answer (it does not grow back during a sale), and it spares
      // the refusal the row lock, which is a write (the lock is recorded in the row) and a commit.
      const turn = await takeTurn(deps.db, line, request, Date.now() + Math.min(deps.config.PG_LOCK_TIMEOUT_MS, msLeft() ?? Infinity));
      if (turn.kind === 'answered') return turn.outcome;
      if (turn.kind === 'refused') return { kind: 'contended', reason: turn.reason };
      let outcome: PurchaseOutcome;
      let stockLeft = 0;
      try {
        outcome = await deps.db.transaction().execute(async (trx): Promise<PurchaseOutcome> => {
          // The row-lock wait ends with the purchase's deadline too (time spent for a connection
          // counts). Each statement may run past it by the slack the 1 s answer leaves
          // (statementSlackMs): a buyer granted the lock at the deadline still completes its sale.
          const left = Math.max(1, Math.min(deps.config.PG_LOCK_TIMEOUT_MS, msLeft() ?? Infinity));
          await boundWaits(trx, { lockMs: left, statementMs: Math.min(deps.config.PG_STATEMENT_TIMEOUT_MS, left + statementSlackMs) });
          const stock = await lockStock(trx, request.sku);
          if (stock === undefined) return { kind: 'unknown_sku' };
          if (stock < request.quantity) {
            sightings.record(request.sku, stock);
            return { kind: 'sold_out' };
          }
          await overwriteStock(trx, request.sku, stock - request.quantity);
          await insertOrder(trx, orderRow(request, name));
          stockLeft = stock - request.quantity;
          return { kind: 'confirmed', orderId: request.orderId };
        });
        // Committed: only now is the stock it left a fact others may act on.
        if (outcome.kind === 'confirmed') sightings.record(request.sku, stockLeft);
      } catch (error: unknown) {
        if (isUniqueViolation(error)) return { kind: 'duplicate' };
        if (isLockTimeout(error)) return { kind: 'contended', reason: 'row lock not granted within the wait (PG_LOCK_TIMEOUT_MS, PURCHASE_WAIT_MS)' };
        if (isStatementTimeout(error)) return { kind: 'contended', reason: 'row lock and write not done within the wait (PURCHASE_WAIT_MS)' };
        throw error;
      } finally {
        turn.leave();
      }
      if (outcome.kind === 'confirmed') mirrorToRedis(deps, name, request.sku, -request.quantity);
      return outcome;
    },
  };
}
