import Type from 'typebox';
import { idempotencyKeyPattern } from './purchase.js';

export const OrderParams = Type.Object({ orderId: Type.String({ maxLength: 64 }) });

export const OrderView = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('rejected'), Type.Literal('reserved'), Type.Literal('expired'), Type.Literal('cancelled')], {
    description: 'reserved: a hold until expiresAt (strategy reserve), which ends confirmed, cancelled or expired',
  }),
  reason: Type.Optional(Type.String()),
  sku: Type.String(),
  quantity: Type.Integer(),
  strategy: Type.String(),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the hold ends (or ended), for orders that were holds' })),
});

export const SettleHeaders = Type.Object({
  'idempotency-key': Type.String({ pattern: idempotencyKeyPattern, description: 'Names this confirm or cancel: a retry with the same key gets the same answer; a key settles one order only' }),
});

/** operationId of each order operation in the OpenAPI document: what links name. */
export const orderOperations = { get: 'getOrder', confirm: 'confirmOrder', cancel: 'cancelOrder' } as const;

/** An OpenAPI link to an order operation, fed the orderId of the answer's body. */
const linkTo = (operation: keyof typeof orderOperations, description: string) => ({
  operationId: orderOperations[operation],
  parameters: { orderId: '$response.body#/orderId' },
  description,
});

/**
 * OpenAPI links from an answer that names an order to what a client may do
 * with it next: settle a hold (confirm, cancel). A contract tool's stateful
 * phase follows them with a real order id; without them it never reaches
 * the settle operations with one.
 */
export const settleLinks = {
  confirm: linkTo('confirm', 'Confirm (pay for) this order, a hold of strategy reserve'),
  cancel: linkTo('cancel', 'Cancel this order, a hold of strategy reserve'),
};

/** A purchase's answer: read the order it names, or settle it. */
export const purchaseLinks = { order: linkTo('get', 'Status of this order'), ...settleLinks };
