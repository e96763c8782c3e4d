import Type from 'typebox';

// SKU codes and user ids are identifiers, not free text: printable ASCII, bounded.
export const SkuCode = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$', description: 'SKU code: letters, digits, . _ : -, at most 64' });
export const UserId = Type.String({ pattern: '^[\\x21-\\x7E]{1,128}$', description: 'Buyer id: 1-128 visible ASCII characters' });
/** An Idempotency-Key: 1-255 visible ASCII characters. */
export const idempotencyKeyPattern = '^[\\x21-\\x7E]{1,255}$';
/** The strategies served, by name: an enum, so the OpenAPI document lists what a client may ask for. */
const strategyName = (names: readonly string[]) => Type.Enum([...names], { description: 'A strategy GET /v1/strategies lists' });

export function purchaseBody(maxQuantity: number) {
  return Type.Object(
    {
      sku: SkuCode,
      userId: UserId,
      quantity: Type.Integer({ minimum: 1, maximum: maxQuantity }),
    },
    { additionalProperties: false },
  );
}

export function purchaseHeaders(strategies: readonly string[]) {
  return Type.Object({
    'idempotency-key': Type.String({ pattern: idempotencyKeyPattern, description: '1-255 visible ASCII characters; retries reuse it' }),
    'x-strategy': Type.Optional(strategyName(strategies)),
    'admission-token': Type.Optional(Type.String({ maxLength: 2048, description: 'A SKU with a waiting room sells only to buyers it admitted: the token GET /v1/skus/{sku}/line/{ticket} gave, with its Idempotency-Key' })),
  });
}

export function purchaseQuery(strategies: readonly string[]) {
  return Type.Object({ strategy: Type.Optional(strategyName(strategies)) }, { additionalProperties: false });
}

export const OrderAccepted = Type.Object({
  orderId: Type.String({ format: 'uuid' }),
  status: Type.Union([Type.Literal('confirmed'), Type.Literal('pending'), Type.Literal('reserved')]),
  sku: Type.String(),
  userId: Type.String(),
  quantity: Type.Integer(),
  strategy: Type.String(),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'A hold (status reserved) ends here unless POST /v1/orders/{orderId}/confirm comes first' })),
});
