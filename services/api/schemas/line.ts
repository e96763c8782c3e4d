import Type from 'typebox';
import { SkuCode, UserId } from './purchase.js';

export const WaitingRoomSettings = Type.Object(
  {
    admitPerSecond: Type.Union([Type.Integer({ minimum: 1, maximum: 100_000 }), Type.Literal('auto')], {
      description: 'Buyers let in per second, or "auto": more while admitted purchases answer within WAITING_ROOM_P95_MS at p95 and shed under 1%, fewer otherwise',
    }),
    tokenTtlSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 3600, description: 'How long an admission (its token) lasts; absent: 60' })),
    drawSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 60, description: 'Arrivals this long after the line opens (its first ticket) are put in random order; absent: 2' })),
  },
  { additionalProperties: false, description: 'A waiting room in front of the sale (docs/waiting-room.md); set at creation, fixed after' },
);

export const WaitingRoomView = Type.Union([
  Type.Object({ admitPerSecond: Type.Union([Type.Integer(), Type.Literal('auto')]), tokenTtlSeconds: Type.Integer(), drawSeconds: Type.Integer() }),
  Type.Null(),
], { description: 'The SKU\'s waiting room; null: purchases need no admission' });

export const LineParams = Type.Object({ sku: SkuCode });
export const TicketParams = Type.Object({ sku: SkuCode, ticket: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }) });
export const JoinLineBody = Type.Object({ userId: UserId }, { additionalProperties: false });

export const LineTicket = Type.Object({
  ticket: Type.String({ description: 'The ticket\'s id: poll it at `poll`; once admitted, also the Idempotency-Key of the one purchase it admits' }),
  sku: Type.String(),
  userId: Type.String(),
  state: Type.Union(['drawing', 'waiting', 'admitted', 'expired', 'sold_out'].map((state) => Type.Literal(state)), {
    description: 'drawing: the line\'s first seconds, whose arrivals get places in random order at drawEndsAt; waiting: at `position`; admitted: buy with `admission`; expired: the admission went unused (join again for a new place); sold_out: a purchase of the SKU was answered sold out, stop waiting',
  }),
  position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Place in line (1: next in), while waiting' }),
  admitPerSecond: Type.Union([Type.Number(), Type.Null()], { description: 'The line\'s admission rate now, while drawing or waiting' }),
  estimatedWaitSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'position ÷ admitPerSecond, while waiting' }),
  drawEndsAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'While drawing: when places are drawn' }),
  pollAfterSeconds: Type.Union([Type.Number(), Type.Null()], { description: 'Ask again after this long (1-2 s with jitter while waiting); null when the state is final' }),
  poll: Type.String({ description: 'The URL to poll' }),
  admission: Type.Union([
    Type.Object({
      token: Type.String({ description: 'Send as the Admission-Token header of POST /v1/purchases' }),
      idempotencyKey: Type.String({ description: 'The purchase\'s Idempotency-Key: the token admits one order, under this key' }),
      expiresAt: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ], { description: 'Once admitted: the signed admission, valid for this buyer, this SKU and one purchase until expiresAt' }),
});

/** operationId of the line's operations in the OpenAPI document: what links name. */
export const lineOperations = { join: 'joinLine', poll: 'pollTicket' } as const;

/** From a ticket to its poll, and from a created SKU to its line: a contract tool's stateful phase follows them with real values. */
export const ticketLinks = { poll: { operationId: lineOperations.poll, parameters: { sku: '$response.body#/sku', ticket: '$response.body#/ticket' }, description: 'This ticket\'s place, or its admission' } };
export const skuLineLinks = { line: { operationId: lineOperations.join, parameters: { sku: '$response.body#/sku' }, description: 'Join this SKU\'s waiting room (409 no_waiting_room when it has none)' } };
