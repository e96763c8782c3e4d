import { classifyDependencyFailure } from '../../../shared/dependency-errors.js';
import type { OrderWrite } from '../order-writer.js';
import type { PurchaseOutcome } from '../../strategy.js';

/** A try at selling units of a lease: an answer, or 'again' with other units. */
export type LeaseAttempt = PurchaseOutcome | { kind: 'again' };

/** How the order of units of a lease ended: written, not written and the units free again, or unknown / not to be reused. */
export type Settlement = 'sold' | 'unsold' | 'lost';

export const unknownOutcome = 'order outcome unknown; a retry with the same key gets the order if it was written';

/** What an order write of a lease's units means for the buyer and for the units. */
export function leaseOrderAnswer(written: OrderWrite, orderId: string): [LeaseAttempt, Settlement] {
  switch (written) {
    case 'inserted':
      return [{ kind: 'confirmed', orderId }, 'sold'];
    // The key has its order (a retry, or the same key at another process): the caller reads it.
    case 'written_elsewhere':
    case 'duplicate':
      return [{ kind: 'duplicate' }, 'unsold'];
    case 'per_user_limit':
      return [{ kind: 'per_user_limit' }, 'unsold'];
    case 'unknown_sku':
      return [{ kind: 'unknown_sku' }, 'unsold'];
    // Another order holds a unit (the counter lost writes), or the lease was closed: other units, once more.
    case 'units_taken':
    case 'lease_closed':
    case 'given_back':
      return [{ kind: 'again' }, 'lost'];
  }
}

/** The answer when the order write failed: written or not, PostgreSQL knows, and the lease's close counts the units. */
export function leaseOrderFailure(error: unknown): LeaseAttempt {
  const failure = classifyDependencyFailure(error);
  if (failure === undefined) throw error;
  if (failure.kind === 'timeout') return { kind: 'contended', reason: failure.reason ?? 'PostgreSQL statement timed out' };
  return { kind: 'unavailable', dependency: 'postgres', reason: unknownOutcome };
}
