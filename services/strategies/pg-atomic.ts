import type { Kysely } from 'kysely';
import { insertOrder } from '../../db/queries/orders.js';
import { deductIfAvailable, findSku } from '../../db/queries/skus.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { orderRow } from './orders.js';
import { mirrorToRedis } from './stock-mirror.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps } from './strategy.js';

const name = 'pg-atomic';

/**
 * The conditional decrement and the order in one transaction, plus whatever
 * `alsoInTransaction` writes (the outbox strategy adds its event row there).
 * Shared by pg-atomic and outbox so both decide stock the same way.
 */
export async function deductAndOrder(
  deps: StrategyDeps,
  request: PurchaseRequest,
  strategy: string,
  alsoInTransaction: (trx: Kysely<Database>) => Promise<void> = async () => undefined,
): Promise<PurchaseOutcome> {
  let taken: boolean;
  try {
    taken = await deps.db.transaction().execute(async (trx) => {
      if ((await deductIfAvailable(trx, request.sku, request.quantity)) === undefined) return false;
      await insertOrder(trx, orderRow(request, strategy));
      await alsoInTransaction(trx);
      return true;
    });
  } catch (error: unknown) {
    if (isUniqueViolation(error)) return { kind: 'duplicate' };
    throw error;
  }
  if (!taken) {
    // Only the rare refusal pays for a second query, to tell sold out from unknown.
    return (await findSku(deps.db, request.sku)) === undefined ? { kind: 'unknown_sku' } : { kind: 'sold_out' };
  }
  await mirrorToRedis(deps, strategy, request.sku, -request.quantity);
  return { kind: 'confirmed', orderId: request.orderId };
}

/**
 * One conditional UPDATE decides: `stock = stock − q WHERE stock >= q`.
 * PostgreSQL re-evaluates the condition on the newest row version after
 * waiting for the row lock, so it cannot oversell, and the order insert sits
 * in the same transaction, so stock and orders move together. Concurrent
 * buyers queue on one row lock held for a single statement plus the insert.
 */
export function createPgAtomic(deps: StrategyDeps): Strategy {
  return {
    name,
    description: 'Conditional UPDATE … WHERE stock >= quantity and the order insert in one PostgreSQL transaction.',
    async: false,
    purchase: (request) => deductAndOrder(deps, request, name),
  };
}
