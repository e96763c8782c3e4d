import type { Kysely } from 'kysely';
import { insertOrder } from '../../../../db/queries/orders.js';
import { acceptFenceToken, type FenceColumn } from '../../../../db/queries/fencing.js';
import { findSku, overwriteStock, readStock } from '../../../../db/queries/skus.js';
import { isUniqueViolation } from '../../../../db/errors.js';
import type { Database } from '../../../../db/schema.js';
import type { Config } from '../../../shared/config.js';
import { orderRow } from '../orders.js';
import { deadlineIn } from '../../../../lib/deadline.js';
import { mirrorToRedis } from '../stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyFacts, BaseDeps } from '../../strategy.js';
import { SkuGate } from '../sku-gate.js';
import { StockSightings } from '../stock-sightings.js';
import { type SkuLine, takeTurn } from '../sku-turn.js';
import type { LockLease } from './lease.js';

/** The lock as the write sees it: where its fencing token comes from, and whether it is still held. */
export interface Fence {
  /** Called inside the write's transaction, so a token from PostgreSQL costs no second pool checkout. */
  token(db: Kysely<Database>): Promise<string>;
  /** The lock's own fence column (fencing.ts). */
  column: FenceColumn;
  signal: AbortSignal;
  isHeld(): boolean;
}

export interface HeldLock extends Fence {
  release(): Promise<void>;
}

/** A lease whose lock service drew the fencing token with the lock (redis-lock, etcd-lock). */
export function heldLock(lease: LockLease, token: string, column: FenceColumn): HeldLock {
  return { signal: lease.signal, isHeld: () => lease.isHeld(), token: () => Promise.resolve(token), column, release: () => lease.release() };
}

/**
 * Test-only hold point (FAULT_HOLD_POINT=lock-held; 'off' by default, and
 * nothing but `npm run faults` sets it). Why: a pause of a lock holder at the
 * one moment that matters (lock held, stock seen, fencing token drawn, write
 * not yet sent) is what fencing exists for, and pausing a whole API from
 * outside at random never lands there (six 3-5 s pauses never caught a holder
 * mid-write). So the FIRST purchase of this process to reach that moment
 * stops its own process (SIGSTOP, state T in /proc/<pid>/stat). The runner
 * sees it stopped, waits past the lease (LOCK_TTL_MS, no watchdog renewal
 * while stopped) while buyers on another API take the lock and write with
 * newer tokens, then SIGCONTs it: its fenced UPDATE must be refused by
 * PostgreSQL (`fenced_writes_total` grows) and nothing is oversold.
 * It sits after the token is drawn (for redlock, nextval inside this
 * transaction) and before the fence UPDATE: later, the UPDATE's row lock
 * would hold every newer holder off until this one resumed, and the lease
 * check before COMMIT, not the fence, would be what refuses it.
 */
let holdPointReached = false;
function holdIfAsked(holdPoint: Config['FAULT_HOLD_POINT'] | undefined): void {
  if (holdPoint !== 'lock-held' || holdPointReached) return;
  holdPointReached = true;
  process.kill(process.pid, 'SIGSTOP');
}

/** Ends the transaction with an outcome (rolling it back): thrown, never escapes this file. */
class Refusal extends Error {
  constructor(readonly outcome: PurchaseOutcome) {
    super(outcome.kind);
  }
}

/**
 * What a lock holder does, in one transaction (one pooled connection, taken
 * once: holders must not queue for the pool at every statement while others
 * wait for the lock):
 * 1. the fenced check: PostgreSQL refuses a token older than one it has seen,
 *    i.e. a holder whose lease expired while a newer holder wrote;
 * 2. read the stock, after the fence UPDATE and so under the row lock it took:
 *    a read made before could predate the write of a holder whose lease had
 *    expired, and writing `that read − q` would lose that sale;
 * 3. check, write read − q and the order; look at the lease once more, then commit.
 * A holder that sells nothing writes nothing (rolled back).
 */
export async function fencedWrite(
  deps: Pick<BaseDeps, 'db' | 'metrics'> & { config?: Pick<Config, 'FAULT_HOLD_POINT'> },
  strategy: string,
  request: PurchaseRequest,
  fence: Fence,
  sightings?: StockSightings,
): Promise<PurchaseOutcome> {
  return (await fencedSale(deps, strategy, request, fence, sightings)).outcome;
}

/** fencedWrite, with the SKU's decided_units after a sale (null when nothing was sold). */
async function fencedSale(
  deps: Pick<BaseDeps, 'db' | 'metrics'> & { config?: Pick<Config, 'FAULT_HOLD_POINT'> },
  strategy: string,
  request: PurchaseRequest,
  fence: Fence,
  sightings?: StockSightings,
): Promise<{ outcome: PurchaseOutcome; decided: number | null }> {
  try {
    const { outcome, stockLeft, decided } = await deps.db.transaction().execute(async (trx) => {
      const token = await fence.token(trx);
      holdIfAsked(deps.config?.FAULT_HOLD_POINT);
      if (!(await acceptFenceToken(trx, request.sku, token, fence.column))) {
        if ((await findSku(trx, request.sku)) === undefined) throw new Refusal({ kind: 'unknown_sku' });
        deps.metrics.fencedWrites.inc({ strategy });
        throw new Refusal({ kind: 'contended', reason: 'fencing token refused: a newer lock holder has written' });
      }
      const current = await readStock(trx, request.sku);
      if (current === undefined) throw new Refusal({ kind: 'unknown_sku' });
      if (current.stock < request.quantity) {
        sightings?.record(request.sku, current.stock);
        throw new Refusal({ kind: 'sold_out' });
      }
      const decidedNow = await overwriteStock(trx, request.sku, current.stock - request.quantity, request.quantity);
      await insertOrder(trx, orderRow(request, strategy));
      // Last look before COMMIT: the watchdog may have lost the lease meanwhile.
      if (fence.signal.aborted || !fence.isHeld()) {
        deps.metrics.locks.inc({ strategy, result: 'lost' });
        throw new Refusal({ kind: 'contended', reason: 'lock lease lost before commit' });
      }
      const confirmed: PurchaseOutcome = { kind: 'confirmed', orderId: request.orderId };
      return { outcome: confirmed, stockLeft: current.stock - request.quantity, decided: decidedNow };
    });
    // Committed, and the lock is still ours (released by the caller): tell this process's waiters.
    sightings?.record(request.sku, stockLeft);
    return { outcome, decided };
  } catch (error: unknown) {
    if (error instanceof Refusal) return { outcome: error.outcome, decided: null };
    if (isUniqueViolation(error)) return { outcome: { kind: 'duplicate' }, decided: null };
    throw error;
  }
}

/**
 * Everything a lock strategy does once it holds the lock: the fenced write,
 * then the lock back, then the Redis copy of the SKU's decided total (a
 * total, which any order of copies leaves right, so it need not hold the lock).
 */
export async function purchaseUnderLock(
  deps: BaseDeps,
  strategy: string,
  request: PurchaseRequest,
  lock: HeldLock,
  sightings: StockSightings,
): Promise<PurchaseOutcome> {
  let sale: { outcome: PurchaseOutcome; decided: number | null };
  try {
    sale = await fencedSale(deps, strategy, request, lock, sightings);
  } finally {
    await lock.release();
  }
  if (sale.decided !== null) mirrorToRedis(deps, strategy, request.sku, sale.decided);
  return sale.outcome;
}

/**
 * The whole of a lock strategy's purchase, given how it acquires its lock:
 * its turn in the SKU's line (sku-turn.ts: an unlocked sold-out fast path
 * first), a bounded wait for the lock (cut short once a holder has seen the
 * stock run out), then the fenced write under it.
 * `acquire` gets the `stop` test to pass to its retry loop, and says why it
 * failed (for the 503) when it returns undefined.
 */
export async function lockedPurchase(
  deps: BaseDeps,
  strategy: string,
  request: PurchaseRequest,
  line: SkuLine,
  acquire: (stop: () => boolean, waitMs: number) => Promise<HeldLock | undefined>,
  timeoutReason: string,
): Promise<PurchaseOutcome> {
  // One buyer per SKU at a time in this process tries the lock: the others wait in line
  // without touching Redis, and the wait (line, then lock) stays within the purchase's deadline.
  const deadlineAt = deadlineIn(deps.config.PURCHASE_WAIT_MS);
  const turn = await takeTurn(deps.db, line, request, deadlineAt);
  if (turn.kind === 'answered') return turn.outcome;
  if (turn.kind === 'refused') {
    deps.metrics.locks.inc({ strategy, result: 'turned_away' });
    return { kind: 'contended', reason: turn.reason };
  }
  try {
    // A holder in this process saw the stock run out after we arrived: stop waiting (see StockSightings).
    const lock = await acquire(turn.soldOut, Math.max(0, deadlineAt - Date.now()));
    if (lock === undefined) {
      if (turn.soldOut()) return { kind: 'sold_out' };
      deps.metrics.locks.inc({ strategy, result: 'timeout' });
      return { kind: 'contended', reason: timeoutReason };
    }
    deps.metrics.locks.inc({ strategy, result: 'acquired' });
    return await purchaseUnderLock(deps, strategy, request, lock, line.sightings);
  } finally {
    turn.leave();
  }
}

/** How a lock strategy takes its lock for one purchase (see lockedPurchase's `acquire`). */
export type AcquireFor = (request: PurchaseRequest) => (stop: () => boolean, waitMs: number) => Promise<HeldLock | undefined>;

/**
 * A strategy that sells under a per-SKU lock taken by `acquireFor`: what
 * redis-lock, redlock and etcd-lock share. A lock admits one holder, so one buyer per
 * SKU in this process goes for it at a time (the line).
 */
export function lockStrategy(facts: StrategyFacts, deps: BaseDeps, acquireFor: AcquireFor, timeoutReason: string): Strategy {
  const line = { gate: new SkuGate({ concurrency: 1, maxWaiters: deps.config.LOCK_MAX_WAITERS }), sightings: new StockSightings() };
  return {
    ...facts,
    refusalChecksKey: false,
    purchase: (request) => lockedPurchase(deps, facts.name, request, line, acquireFor(request), timeoutReason),
  };
}
