import { isPerUserLimit } from '../../db/errors.js';
import type { Strategy } from './strategy.js';

/**
 * A strategy whose per-user-limit refusals come back as values, like its
 * other refusals. PostgreSQL enforces the limit (user_purchases' CHECK) in
 * the transaction that writes the order, for every strategy that writes
 * orders there, and a CHECK can only abort that transaction: the error
 * leaves the strategy's code as it rolls back. Turned into the outcome once,
 * here, rather than in each strategy or in the HTTP layer, so the interface
 * has one channel for refusals. Costs the purchase path nothing: only a
 * rejected promise takes this branch.
 */
export function withRefusalsAsValues(strategy: Strategy): Strategy {
  const purchase = strategy.purchase.bind(strategy);
  return {
    ...strategy,
    purchase: (request) =>
      purchase(request).catch((error: unknown) => {
        if (isPerUserLimit(error)) return { kind: 'per_user_limit' } as const;
        throw error;
      }),
  };
}
