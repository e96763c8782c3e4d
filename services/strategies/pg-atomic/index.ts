import { deductAndOrder } from '../common/conditional-sale.js';
import type { Strategy, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'pg-atomic';

export const pgAtomicFacts: StrategyFacts = {
  name,
  description: 'Conditional UPDATE … WHERE stock >= quantity and the order insert in one PostgreSQL transaction.',
  ...plainFacts,
};

/**
 * One conditional UPDATE decides: `stock = stock − q WHERE stock >= q`.
 * PostgreSQL re-evaluates the condition on the newest row version after
 * waiting for the row lock, so it cannot oversell, and the order insert sits
 * in the same statement, so stock and orders move together. Concurrent
 * buyers queue on one row lock held for that statement and its commit.
 */
export function createPgAtomic(deps: BaseDeps): Strategy {
  return {
    ...pgAtomicFacts,
    // The sale statement itself says when the key has an order already (see sellIfAvailable).
    refusalChecksKey: true,
    purchase: (request) => deductAndOrder(deps, request, name),
  };
}
