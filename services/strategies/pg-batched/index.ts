import { keysWithOrders } from '../../../db/queries/orders.js';
import { sellBatchIfAvailable, stockAndOrderedKeys } from '../../../db/queries/sales.js';
import { isPerUserLimit, isUniqueViolation } from '../../../db/errors.js';
import { allocate, type Verdict } from '../common/allocate.js';
import { createKeyedBatcher } from '../../../lib/sku-batcher.js';
import { orderRow } from '../common/orders.js';
import { mirrorToRedis } from '../common/stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'pg-batched';

export const pgBatchedFacts: StrategyFacts = {
  name,
  description: 'Group commit per SKU: purchases within PG_BATCH_WINDOW_MS (at most PG_BATCH_MAX_SIZE) decided together: one read, then one statement with one conditional UPDATE by the sum and one multi-row INSERT.',
  ...plainFacts,
  decidesPer: 'batch',
};

// A batch is decided on a stock read without a lock, then written by one
// conditional statement. Another process (or another strategy) selling the
// same SKU in between makes the statement match no row, or meet a key it
// just ordered (23505): read again and decide again. Three tries, then a 503
// the client may retry, rather than looping under someone else's load.
const maxAttempts = 3;

interface Decision {
  outcomes: PurchaseOutcome[];
  /** The SKU's decided_units after the batch's sale; null when it sold nothing. */
  decided: number | null;
}

const outcomeOf = (request: PurchaseRequest, verdict: Verdict | undefined): PurchaseOutcome =>
  verdict === 'confirmed' ? { kind: 'confirmed', orderId: request.orderId } : verdict === 'duplicate' ? { kind: 'duplicate' } : { kind: 'sold_out' };

/** One attempt: undefined when the stock moved under it and it must decide again. */
async function attempt(deps: BaseDeps, sku: string, requests: readonly PurchaseRequest[]): Promise<Decision | undefined> {
  const keys = requests.map((request) => request.idempotencyKey);
  const read = await stockAndOrderedKeys(deps.db, sku, keys);
  if (read === undefined) {
    // Unknown SKU: a key may still have an order (of another SKU), which replays or 422s.
    const ordered = await keysWithOrders(deps.db, keys);
    return { outcomes: requests.map((request) => (ordered.has(request.idempotencyKey) ? { kind: 'duplicate' } : { kind: 'unknown_sku' })), decided: null };
  }
  // Greedy in arrival order, as pg-atomic would decide them one statement at a time (see allocate).
  const allocation = allocate(read.stock, requests, read.ordered);
  const outcomes = requests.map((request, index) => outcomeOf(request, allocation.verdicts[index]));
  if (allocation.units === 0) return { outcomes, decided: null };
  const decided = await sellBatchIfAvailable(deps.db, sku, allocation.units, allocation.confirmed.map((request) => orderRow(request, name)));
  return decided === undefined ? undefined : { outcomes, decided };
}

/** One flush: the whole batch of one SKU in one write statement, then one Redis mirror for all of it. */
async function decideBatch(deps: BaseDeps, sku: string, requests: readonly PurchaseRequest[]): Promise<PurchaseOutcome[]> {
  for (let tries = 1; tries <= maxAttempts; tries += 1) {
    if (tries > 1) deps.metrics.retries.inc({ strategy: name });
    let decision: Decision | undefined;
    try {
      decision = await attempt(deps, sku, requests);
    } catch (error: unknown) {
      // A buyer past the SKU's per-user limit fails the batch's one statement for all: decide
      // them one at a time, so only that buyer is refused (rare: only limited SKUs, only past it).
      if (isPerUserLimit(error)) return requests.length === 1 ? [{ kind: 'per_user_limit' }] : decideOneByOne(deps, sku, requests);
      if (!isUniqueViolation(error)) throw error;
      continue;
    }
    if (decision === undefined) continue;
    if (decision.decided !== null) mirrorToRedis(deps, name, sku, decision.decided);
    return decision.outcomes;
  }
  const reason = `the stock of ${sku} or one of ${requests.length} batched keys changed under the batch ${maxAttempts} times`;
  return requests.map(() => ({ kind: 'contended', reason }));
}

async function decideOneByOne(deps: BaseDeps, sku: string, requests: readonly PurchaseRequest[]): Promise<PurchaseOutcome[]> {
  const outcomes: PurchaseOutcome[] = [];
  for (const request of requests) outcomes.push(...(await decideBatch(deps, sku, [request])));
  return outcomes;
}

/**
 * Group commit per SKU inside this process: purchases of one SKU that arrive
 * together share one read and one write statement (one UPDATE by the sum,
 * one multi-row INSERT, one commit, the row lock held for that statement
 * only) instead of queueing on the row lock one commit each. Every request
 * still gets its own answer. Other API processes, and the strategies that
 * decide on skus.stock, serialise with it on the same row lock.
 */
export function createPgBatched(deps: BaseDeps): Strategy {
  const batcher = createKeyedBatcher<PurchaseRequest, PurchaseOutcome>({
    windowMs: deps.config.PG_BATCH_WINDOW_MS,
    maxSize: deps.config.PG_BATCH_MAX_SIZE,
    flush: (sku, requests) => decideBatch(deps, sku, requests),
  });
  return {
    ...pgBatchedFacts,
    // Every refusal comes out of a flush whose read has just looked the batch's
    // keys up in orders, so the caller need not read PostgreSQL again per refusal.
    refusalChecksKey: true,
    purchase: (request) => batcher.submit(request.sku, request),
  };
}
