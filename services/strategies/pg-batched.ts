import type { Kysely } from 'kysely';
import { insertOrders, keysWithOrders } from '../../db/queries/orders.js';
import { deductIfAvailable, lockStock } from '../../db/queries/skus.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { allocate, type Verdict } from './batching/allocate.js';
import { createKeyedBatcher } from './batching/sku-batcher.js';
import { orderRow } from './orders.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'pg-batched';

// A unique violation on the INSERT means another process committed an order
// for one of our keys between our check and our insert (the insert waits on
// that index entry until the other side commits). A second try sees the order
// and answers it as a duplicate; failing twice means something keeps racing,
// and a 503 the client may retry beats looping while holding the row lock.
const maxAttempts = 2;

interface Decision {
  outcomes: PurchaseOutcome[];
  units: number;
}

const outcomeOf = (request: PurchaseRequest, verdict: Verdict | undefined): PurchaseOutcome =>
  verdict === 'confirmed' ? { kind: 'confirmed', orderId: request.orderId } : verdict === 'duplicate' ? { kind: 'duplicate' } : { kind: 'sold_out' };

async function decideInTransaction(trx: Kysely<Database>, sku: string, requests: readonly PurchaseRequest[]): Promise<Decision> {
  // The lock first, so the key check below sees every order of this SKU committed before it.
  const stock = await lockStock(trx, sku);
  const ordered = await keysWithOrders(trx, requests.map((request) => request.idempotencyKey));
  if (stock === undefined) {
    const outcomes = requests.map((request): PurchaseOutcome => (ordered.has(request.idempotencyKey) ? { kind: 'duplicate' } : { kind: 'unknown_sku' }));
    return { outcomes, units: 0 };
  }
  // Greedy in arrival order, as pg-atomic would decide them one transaction at a time (see allocate).
  const allocation = allocate(stock, requests, ordered);
  const outcomes = requests.map((request, index) => outcomeOf(request, allocation.verdicts[index]));
  if (allocation.units === 0) return { outcomes, units: 0 };
  // The row lock already guarantees the units; the condition turns an arithmetic bug into a rollback, not an oversell.
  if ((await deductIfAvailable(trx, sku, allocation.units)) === undefined) {
    throw new Error(`pg-batched: ${allocation.units} units of ${sku} allocated from ${stock} but the locked row refused them`);
  }
  await insertOrders(trx, allocation.confirmed.map((request) => orderRow(request, name)));
  return { outcomes, units: allocation.units };
}

/** One flush: the whole batch of one SKU in one transaction, then one Redis mirror for all of it. */
async function decideBatch(deps: StrategyDeps, sku: string, requests: readonly PurchaseRequest[]): Promise<PurchaseOutcome[]> {
  for (let attempt = 1; ; attempt += 1) {
    let decision: Decision;
    try {
      decision = await deps.db.transaction().execute((trx) => decideInTransaction(trx, sku, requests));
    } catch (error: unknown) {
      if (!isUniqueViolation(error)) throw error;
      if (attempt < maxAttempts) {
        deps.metrics.retries.inc({ strategy: name });
        continue;
      }
      return requests.map(() => ({ kind: 'contended', reason: `an order for one of ${requests.length} batched keys was inserted concurrently, ${maxAttempts} times` }));
    }
    if (decision.units > 0) await mirrorToRedis(deps, name, sku, -decision.units);
    return decision.outcomes;
  }
}

/**
 * Group commit per SKU inside this process: purchases of one SKU that arrive
 * together share one transaction (one row lock, one UPDATE, one multi-row
 * INSERT, one commit) instead of queueing on the row lock one commit each.
 * Every request still gets its own answer. Other API processes, and the
 * strategies that decide on skus.stock, serialise with it on the same row lock.
 */
export function createPgBatched(deps: StrategyDeps): Strategy {
  const batcher = createKeyedBatcher<PurchaseRequest, PurchaseOutcome>({
    windowMs: deps.config.PG_BATCH_WINDOW_MS,
    maxSize: deps.config.PG_BATCH_MAX_SIZE,
    flush: (sku, requests) => decideBatch(deps, sku, requests),
  });
  return {
    name,
    description: 'Group commit per SKU: purchases within PG_BATCH_WINDOW_MS (at most PG_BATCH_MAX_SIZE) decided in one FOR UPDATE transaction, one UPDATE, one multi-row INSERT.',
    async: false,
    // Every refusal comes out of a flush that has just looked the batch's keys
    // up in orders, so the caller need not read PostgreSQL again per refusal.
    refusalChecksKey: true,
    purchase: (request) => batcher.submit(request.sku, request),
  };
}
