import { setTimeout as sleep } from 'node:timers/promises';
import { insertOrder } from '../../../db/queries/orders.js';
import { readStock, writeIfVersion } from '../../../db/queries/skus.js';
import { isUniqueViolation } from '../../../db/errors.js';
import { orderRow } from '../common/orders.js';
import { deadlineIn } from '../../../lib/deadline.js';
import { SkuGate } from '../common/sku-gate.js';
import { StockSightings } from '../common/stock-sightings.js';
import { type StockRead, takeTurn } from '../common/sku-turn.js';
import { mirrorToRedis } from '../common/stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'pg-optimistic';

export const pgOptimisticFacts: StrategyFacts = {
  name,
  description: 'Read stock and version, then UPDATE … WHERE version = read; retry with jittered exponential backoff on conflict.',
  ...plainFacts,
};

// Backoff between attempts: full jitter over an exponential ceiling. 2 ms is
// about one commit on this machine; 100 ms caps the wait so a loser of many
// rounds still answers within OPTIMISTIC_MAX_ATTEMPTS × 100 ms at worst.
const backoffBaseMs = 2;
const backoffCapMs = 100;

function backoffMs(attempt: number): number {
  return Math.random() * Math.min(backoffCapMs, backoffBaseMs * 2 ** attempt);
}

/**
 * Read stock and version without a lock, decide in the application, then
 * write only if the version is unchanged. No lock is held while deciding, but
 * under one hot SKU almost every writer loses the race and retries: the retry
 * storm is counted in strategy_retries_total and ends in a 503 when the budget
 * (OPTIMISTIC_MAX_ATTEMPTS) runs out.
 */
export function createPgOptimistic(deps: BaseDeps): Strategy {
  /** A sale (with the SKU's decided_units after it), a version conflict, or the answer. */
  type Attempt = { sold: number } | 'conflict' | PurchaseOutcome;

  /** `firstRead`: the read made before waiting in line, if no one has had a turn since. */
  async function attempt(request: PurchaseRequest, firstRead?: StockRead): Promise<Attempt> {
    const current = firstRead ?? (await readStock(deps.db, request.sku));
    if (current === undefined) return { kind: 'unknown_sku' };
    if (current.stock < request.quantity) {
      sightings.record(request.sku, current.stock);
      return { kind: 'sold_out' };
    }
    try {
      const result = await deps.db.transaction().execute(async (trx): Promise<Attempt> => {
        const decided = await writeIfVersion(trx, request.sku, current.version, current.stock - request.quantity, request.quantity);
        if (decided === undefined) return 'conflict';
        await insertOrder(trx, orderRow(request, name));
        return { sold: decided };
      });
      // Committed: only now is the stock it left a fact others may act on.
      if (result !== 'conflict' && 'sold' in result) sightings.record(request.sku, current.stock - request.quantity);
      return result;
    } catch (error: unknown) {
      if (isUniqueViolation(error)) return { kind: 'duplicate' };
      throw error;
    }
  }

  // A few writers per SKU at a time in this process; the others wait in line (sku-gate.ts).
  // Once a buyer here saw the stock run out, those in line behind it answer sold_out without a read.
  const sightings = new StockSightings();
  const line = { gate: new SkuGate({ concurrency: deps.config.HOT_SKU_WRITERS, maxWaiters: deps.config.LOCK_MAX_WAITERS }), sightings };

  async function tryUntil(request: PurchaseRequest, deadline: number, firstRead: StockRead | undefined): Promise<PurchaseOutcome> {
    for (let tries = 0; tries < deps.config.OPTIMISTIC_MAX_ATTEMPTS; tries += 1) {
      if (tries > 0) {
        if (Date.now() >= deadline) return { kind: 'contended', reason: `version conflict on every attempt within the purchase's wait (PURCHASE_WAIT_MS) (${tries} attempts)` };
        deps.metrics.retries.inc({ strategy: name });
        await sleep(backoffMs(tries));
      }
      const result = await attempt(request, tries === 0 ? firstRead : undefined);
      if (result === 'conflict') continue;
      if ('sold' in result) {
        mirrorToRedis(deps, name, request.sku, result.sold);
        return { kind: 'confirmed', orderId: request.orderId };
      }
      return result;
    }
    return { kind: 'contended', reason: `version conflict on every one of ${deps.config.OPTIMISTIC_MAX_ATTEMPTS} attempts` };
  }

  return {
    ...pgOptimisticFacts,
    refusalChecksKey: false,
    async purchase(request: PurchaseRequest): Promise<PurchaseOutcome> {
      // A count alone does not bound the wait: under load each attempt also queues for a pooled connection.
      const deadline = deadlineIn(deps.config.PURCHASE_WAIT_MS);
      const turn = await takeTurn(deps.db, line, request, deadline);
      if (turn.kind === 'answered') return turn.outcome;
      if (turn.kind === 'refused') return { kind: 'contended', reason: turn.reason };
      try {
        // Entered at once, its read is as fresh as any, so the first attempt writes on it (one round trip
        // less when uncontended). After a wait in line it is stale, and would only lose the version race.
        return await tryUntil(request, deadline, turn.freshRead);
      } finally {
        turn.leave();
      }
    },
  };
}
