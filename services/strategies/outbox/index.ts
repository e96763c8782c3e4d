import { randomUUID } from 'node:crypto';
import { deductAndOrder } from '../common/conditional-sale.js';
import { type OrderEvent, orderConfirmedType } from './order-event.js';
import type { PurchaseOutcome, PurchaseRequest, Strategy, StrategyDeps, StrategyFacts, BaseDeps } from '../strategy.js';
import { plainFacts } from '../facts.js';

const name = 'outbox';

export const outboxFacts: StrategyFacts = {
  name,
  description: 'Conditional UPDATE, the order and an order.confirmed outbox event in one PostgreSQL statement; the worker relays events to Kafka.',
  ...plainFacts,
  needs: ['worker', 'kafka'],
};


/**
 * pg-atomic plus a transactional outbox: the stock decrement, the confirmed
 * order and an `order.confirmed` event row commit in ONE PostgreSQL
 * statement, so there is never an order without its event or an event
 * without its order. No Kafka call in the request path: the worker's relay
 * publishes the row later (at least once) and the consumer's inbox makes the
 * effect exactly once.
 */
export function createOutbox(deps: BaseDeps & Pick<StrategyDeps, 'kafka'>): Strategy {
  return {
    ...outboxFacts,
    // The sale statement itself says when the key has an order already (see sellIfAvailable).
    refusalChecksKey: true,
    purchase: (request: PurchaseRequest): Promise<PurchaseOutcome> =>
      {
        const eventId = randomUUID();
        const event: OrderEvent = { eventId, type: orderConfirmedType, orderId: request.orderId, sku: request.sku, userId: request.userId, quantity: request.quantity, strategy: name };
        return deductAndOrder(deps, request, name, { event: { id: eventId, sku: request.sku, order_id: request.orderId, type: orderConfirmedType, payload: JSON.stringify(event) } });
      },
  };
}
