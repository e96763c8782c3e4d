import type { NewOrder } from '../../db/schema.js';
import type { PurchaseRequest } from './strategy.js';

/** The order row a synchronous strategy writes once it has taken the stock. */
export function confirmedOrder(request: PurchaseRequest, strategy: string): NewOrder {
  return {
    id: request.orderId,
    sku: request.sku,
    user_id: request.userId,
    quantity: request.quantity,
    strategy,
    status: 'confirmed',
    reason: null,
    idempotency_key: request.idempotencyKey,
  };
}
