import type { Insertable } from 'kysely';
import { type SaleResult, sellIfAvailable } from '../../db/queries/sales.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { OutboxTable } from '../../db/schema.js';
import { orderRow } from './orders.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps, StrategyFacts } from './strategy.js';

const name = 'pg-atomic';

export const pgAtomicFacts: StrategyFacts = {
  name,
  description: 'Conditional UPDATE … WHERE stock >= quantity and the order insert in one PostgreSQL transaction.',
  async: false,
  safe: true,
  decidesIn: 'postgres',
  needs: [],
};

/**
 * The conditional decrement and the order in one statement (see
 * sellIfAvailable), plus the outbox event when `event` is given. Shared by
 * pg-atomic and outbox so both decide stock the same way.
 */
export async function deductAndOrder(deps: StrategyDeps, request: PurchaseRequest, strategy: string, event?: Insertable<OutboxTable>): Promise<PurchaseOutcome> {
  let sale: SaleResult;
  try {
    sale = await sellIfAvailable(deps.db, orderRow(request, strategy), event);
  } catch (error: unknown) {
    if (isUniqueViolation(error)) return { kind: 'duplicate' };
    throw error;
  }
  // A refusal's reason comes from the same statement: no second round trip.
  if (sale === 'key_ordered') return { kind: 'duplicate' };
  if (sale === 'unknown_sku') return { kind: 'unknown_sku' };
  if (sale === 'short') return { kind: 'sold_out' };
  mirrorToRedis(deps, strategy, request.sku, -request.quantity);
  return { kind: 'confirmed', orderId: request.orderId };
}

/**
 * One conditional UPDATE decides: `stock = stock − q WHERE stock >= q`.
 * PostgreSQL re-evaluates the condition on the newest row version after
 * waiting for the row lock, so it cannot oversell, and the order insert sits
 * in the same statement, so stock and orders move together. Concurrent
 * buyers queue on one row lock held for that statement and its commit.
 */
export function createPgAtomic(deps: StrategyDeps): Strategy {
  return {
    ...pgAtomicFacts,
    // The sale statement itself says when the key has an order already (see sellIfAvailable).
    refusalChecksKey: true,
    purchase: (request) => deductAndOrder(deps, request, name),
  };
}
