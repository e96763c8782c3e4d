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
