import Type from 'typebox';

export const OrderParams = Type.Object({ orderId: Type.String({ maxLength: 64 }) });

export const OrderView = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('confirmed'), Type.Literal('rejected')]),
  reason: Type.Optional(Type.String()),
  sku: Type.String(),
  quantity: Type.Integer(),
  strategy: Type.String(),
});
