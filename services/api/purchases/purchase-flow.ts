import { randomUUID } from 'node:crypto';
import type { OrderLookup } from './order-lookup.js';
import { runWithDeadline } from '../../../lib/deadline.js';
import { classifyDependencyFailure } from '../../shared/dependency-errors.js';
import type { EarlierOrder, PurchaseOutcome, Strategy } from '../../strategies/strategy.js';
import { dependencyProblem } from '../problem.js';
import { answerFor, earlierOrderOf, type HttpAnswer, inFlightAnswer, type PurchaseFacts, problemAnswer, replayAnswer, soldOutFromMemory } from './answers.js';
import type { SoldOutMemory } from './sold-out-memory.js';

export interface PurchaseFlowDeps {
  /** The order of an Idempotency-Key, from PostgreSQL (batched, see order-lookup.ts). */
  findOrder: OrderLookup;
  /** Whether the strategy of that name answers 202 (its first answers are replayed as 202). */
  answersAsync: (strategy: string) => boolean;
  /** Idempotency-Keys with a request running in this process. */
  inFlight: Set<string>;
  /** PURCHASE_WAIT_MS: every wait of a purchase ends this long after it arrived (deadline.ts). */
  waitMs: number;
  /** Sold out, known in this process (none: every refusal asks the store). */
  soldOut?: SoldOutMemory;
}

export interface PurchaseCommand extends PurchaseFacts {
  idempotencyKey: string;
}

export interface PurchaseResult {
  answer: HttpAnswer;
  /** Metrics label: the strategy's outcome, or what the idempotency guard did. */
  outcome: string;
}

function replayOf(deps: PurchaseFlowDeps, earlier: EarlierOrder, command: PurchaseCommand): PurchaseResult {
  const answer = replayAnswer(earlier, command, deps.answersAsync(earlier.strategy));
  return { answer, outcome: answer.status === 422 ? 'key_reused' : 'replayed' };
}

async function orderOfKey(deps: PurchaseFlowDeps, key: string): Promise<EarlierOrder | undefined> {
  const order = await deps.findOrder(key);
  return order === undefined ? undefined : earlierOrderOf(order);
}

async function answerOutcome(deps: PurchaseFlowDeps, strategy: Strategy, command: PurchaseCommand, outcome: PurchaseOutcome): Promise<PurchaseResult> {
  if (outcome.kind === 'duplicate') {
    const earlier = outcome.earlier ?? (await orderOfKey(deps, command.idempotencyKey));
    // The unique key was taken but its order is not readable yet: another process is still writing it.
    if (earlier === undefined) return { answer: inFlightAnswer, outcome: 'in_flight' };
    return replayOf(deps, earlier, command);
  }
  if ((outcome.kind === 'sold_out' || outcome.kind === 'unknown_sku' || outcome.kind === 'per_user_limit') && !strategy.refusalChecksKey) {
    // A retry of a sale that has sold out since must get its order, not a 409.
    // If PostgreSQL cannot be asked, the strategy's refusal stands: a later
    // retry still finds the order, and nothing was sold by this request.
    const earlier = await orderOfKey(deps, command.idempotencyKey).catch((error: unknown) => {
      if (classifyDependencyFailure(error) === undefined) throw error;
      return undefined;
    });
    if (earlier !== undefined) return replayOf(deps, earlier, command);
  }
  return { answer: answerFor(outcome, command), outcome: outcome.kind };
}

/**
 * Runs one purchase behind its Idempotency-Key, at the cost of the strategy's
 * own write. The order row, unique per key, is the record: a retry that finds
 * it gets the first answer back (or 422 for another body), and never a second
 * order. A refusal writes nothing, so a retry of a refused request is decided
 * again (see docs/api.md, "Idempotency"). While a request with the key runs in this
 * process, another gets 409; in another process the database's unique key
 * makes it wait for the first and then replay its answer. The order id is
 * drawn only for a purchase the strategy decides (a refusal from memory,
 * most of a flash sale's answers, needs none).
 */
export async function runPurchase(deps: PurchaseFlowDeps, strategy: Strategy, command: PurchaseCommand, arrivedAt = Date.now()): Promise<PurchaseResult> {
  const key = command.idempotencyKey;
  if (deps.inFlight.has(key)) return { answer: inFlightAnswer, outcome: 'in_flight' };
  const remembered = deps.soldOut?.refuses(strategy.name, command.sku, command.quantity, key);
  if (remembered !== undefined) return { answer: soldOutFromMemory(command, remembered.asOf), outcome: 'sold_out_from_memory' };
  deps.inFlight.add(key);
  try {
    const request = { orderId: randomUUID(), sku: command.sku, userId: command.userId, quantity: command.quantity, idempotencyKey: key };
    const mark = deps.soldOut?.mark();
    const askedAt = Date.now();
    const outcome = await runWithDeadline(arrivedAt + deps.waitMs, () => strategy.purchase(request));
    const result = await answerOutcome(deps, strategy, command, outcome);
    // The store's own "sold out" (not a replay of this key's order): remembered for the next buyers.
    if (result.outcome === 'sold_out' && mark !== undefined) deps.soldOut?.soldOut(strategy.name, command.sku, command.quantity, mark, askedAt);
    return result;
  } catch (error: unknown) {
    const failure = classifyDependencyFailure(error);
    if (failure === undefined) throw error;
    return { answer: problemAnswer(dependencyProblem(failure)), outcome: failure.kind === 'timeout' ? 'contended' : 'unavailable' };
  } finally {
    deps.inFlight.delete(key);
  }
}
