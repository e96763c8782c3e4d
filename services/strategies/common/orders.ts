import type { NewOrder, OrderStatus } from '../../../db/schema.js';
import type { PurchaseRequest } from '../strategy.js';

/** The order row a strategy writes: `confirmed` once it has taken the stock, `pending` when the worker will decide. */
export function orderRow(request: PurchaseRequest, strategy: string, status: OrderStatus = 'confirmed'): NewOrder {
  return {
    id: request.orderId,
    sku: request.sku,
    user_id: request.userId,
    quantity: request.quantity,
    strategy,
    status,
    reason: null,
    idempotency_key: request.idempotencyKey,
  };
}
