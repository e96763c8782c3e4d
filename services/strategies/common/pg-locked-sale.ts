import type { Transaction } from 'kysely';
import { insertOrder } from '../../../db/queries/orders.js';
import { boundWaits } from '../../../db/queries/skus.js';
import type { Database } from '../../../db/schema.js';
import { isLockTimeout, isStatementTimeout, isUniqueViolation } from '../../../db/errors.js';
import { orderRow } from './orders.js';
import { deadlineIn } from '../../../lib/deadline.js';
import { SkuGate } from './sku-gate.js';
import { StockSightings } from './stock-sightings.js';
import { takeTurn } from './sku-turn.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, BaseDeps } from '../strategy.js';

/** What a locking strategy does inside its transaction, once the waits are bounded. */
export interface PgLock {
  /** Strategy name, written on the orders. */
  name: string;
  /** The lock, in words, for the 503 a buyer gets when it is not granted in time. */
  what: string;
  /** Takes the lock and reads the stock under it; undefined for an unknown SKU. */
  lockAndRead(trx: Transaction<Database>, sku: string): Promise<LockedStock | undefined>;
}

export interface LockedStock {
  stock: number;
  /**
   * Writes the stock left, `sold` units taken, and returns the SKU's decided_units
   * after it; undefined when it must not (the caller answers 503, nothing written).
   */
  write(stockLeft: number, sold: number): Promise<number | undefined>;
}

// What a statement may run past the purchase's deadline: within the 200 ms PURCHASE_WAIT_MS leaves of 1 s.
const statementSlackMs = 150;

/**
 * The purchase of pg-pessimistic and pg-advisory, which differ only in the
 * lock: a turn in the SKU's line (sku-turn.ts), then one transaction whose
 * waits end with the purchase's deadline: lock, read, check, write, order.
 */
export function pgLockedSale(deps: BaseDeps, lock: PgLock): (request: PurchaseRequest) => Promise<PurchaseOutcome> {
  // Buyers beyond a few would only wait on the lock holding a pooled connection each:
  // they wait in line instead, and one whose turn cannot come in time is told at once.
  // Once a lock holder here saw the stock run out, those in line behind it answer sold_out without the lock.
  const sightings = new StockSightings();
  const line = { gate: new SkuGate({ concurrency: deps.config.HOT_SKU_WRITERS, maxWaiters: deps.config.LOCK_MAX_WAITERS }), sightings };
  return async (request) => {
    // A plain read first (or a fresh sighting, sku-turn.ts): stock seen short at any moment of
    // this request is a true sold-out answer (it does not grow back during a sale), and it spares
    // the refusal the lock and a commit.
    const turn = await takeTurn(deps.db, line, request, deadlineIn(deps.config.PURCHASE_WAIT_MS));
    if (turn.kind === 'answered') return turn.outcome;
    if (turn.kind === 'refused') return { kind: 'contended', reason: turn.reason };
    let outcome: PurchaseOutcome;
    let stockLeft = 0;
    let decided: number | undefined;
    try {
      outcome = await deps.db.transaction().execute(async (trx): Promise<PurchaseOutcome> => {
        // The lock wait ends with the purchase's deadline too (time spent for a connection
        // counts). Each statement may run past it by the slack the 1 s answer leaves
        // (statementSlackMs): a buyer granted the lock at the deadline still completes its sale.
        const left = Math.max(1, deadlineIn(deps.config.PURCHASE_WAIT_MS) - Date.now());
        await boundWaits(trx, { lockMs: left, statementMs: Math.min(deps.config.PG_STATEMENT_TIMEOUT_MS, left + statementSlackMs) });
        const locked = await lock.lockAndRead(trx, request.sku);
        if (locked === undefined) return { kind: 'unknown_sku' };
        if (locked.stock < request.quantity) {
          sightings.record(request.sku, locked.stock);
          return { kind: 'sold_out' };
        }
        // Nothing was written when write() declines: committing the empty transaction is harmless.
        decided = await locked.write(locked.stock - request.quantity, request.quantity);
        if (decided === undefined) {
          return { kind: 'contended', reason: `the stock changed under the ${lock.what} (a sale by a strategy that does not take it); retry` };
        }
        await insertOrder(trx, orderRow(request, lock.name));
        stockLeft = locked.stock - request.quantity;
        return { kind: 'confirmed', orderId: request.orderId };
      });
      // Committed: only now is the stock it left a fact others may act on.
      if (outcome.kind === 'confirmed') sightings.record(request.sku, stockLeft);
    } catch (error: unknown) {
      if (isUniqueViolation(error)) return { kind: 'duplicate' };
      if (isLockTimeout(error)) return { kind: 'contended', reason: `${lock.what} not granted within the wait (PURCHASE_WAIT_MS)` };
      if (isStatementTimeout(error)) return { kind: 'contended', reason: `${lock.what} and write not done within the wait (PURCHASE_WAIT_MS)` };
      throw error;
    } finally {
      turn.leave();
    }
    if (outcome.kind === 'confirmed' && decided !== undefined) mirrorToRedis(deps, lock.name, request.sku, decided);
    return outcome;
  };
}
