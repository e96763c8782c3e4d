import { deductAndOrder } from '../common/conditional-sale.js';
import type { Strategy, BaseDeps } from '../strategy.js';
import { reserveFacts } from './facts.js';
import { settleHold } from './hold-settlement.js';
import { startReleaseRepair } from './release-repair.js';

export { reserveFacts };

/**
 * Pre-deduct, then pay: the units leave the stock at once, as with
 * pg-atomic, but the order is a hold (`reserved`, with `expiresAt`) until
 * POST /v1/orders/:id/confirm, /cancel, or the hold sweeper (see
 * db/queries/holds.ts for why PostgreSQL decides every end of a hold).
 * Chosen per request like every strategy, because a hold is a different
 * contract with the buyer (two calls and a deadline), not a different way
 * to take stock.
 */
export function createReserve(deps: BaseDeps): Strategy {
  return {
    ...reserveFacts,
    // The sale statement itself says when the key has an order already (see sellIfAvailable).
    refusalChecksKey: true,
    purchase: (request) => deductAndOrder(deps, request, reserveFacts.name, { hold: true }),
    settleHold: (action, orderId, key) => settleHold(deps, action, orderId, key),
    // A cancel's copy to Redis can die with its API process: any process's repair copies it.
    startApiLoops: () => [startReleaseRepair(deps)],
  };
}
