import Type from 'typebox';
import { SkuCode, idempotencyKeyPattern } from './purchase.js';
import { WaitingRoomSettings, WaitingRoomView } from './line.js';

export const CreateSkuBody = Type.Object(
  // A billion units is far beyond any flash sale and well inside PostgreSQL's integer.
  {
    sku: SkuCode,
    stock: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    maxPerUser: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000, description: 'Units one userId may hold (pending and confirmed orders); absent: unlimited. Every safe strategy enforces it in PostgreSQL, in the transaction that writes the order.' })),
    holdSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400, description: 'How long a purchase with strategy reserve holds its units before they go back on sale unless confirmed; absent: 600' })),
    waitingRoom: Type.Optional(WaitingRoomSettings),
  },
  { additionalProperties: false },
);

export const SkuParams = Type.Object({ sku: SkuCode });

export const SkuView = Type.Object({
  sku: Type.String(),
  initialStock: Type.Integer(),
  available: Type.Integer({ description: 'Stock left according to PostgreSQL' }),
  maxPerUser: Type.Union([Type.Integer(), Type.Null()], { description: 'Units one userId may hold; null: unlimited' }),
  holdSeconds: Type.Integer({ description: 'How long a reserve hold lasts' }),
  waitingRoom: WaitingRoomView,
});

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const SkuAudit = Type.Object({
  sku: Type.String(),
  initialStock: Type.Integer(),
  restockedUnits: Type.Integer({ description: 'Units restocks added (POST /v1/admin/skus/:sku/restock)' }),
  confirmedUnits: Type.Integer({ description: 'Units in confirmed orders: what was sold' }),
  pendingUnits: Type.Union([Type.Integer(), Type.Null()], { description: 'Units of kafka-queue purchases accepted (202) and not yet applied by the worker (listed in Redis until then); null when Redis is unreachable' }),
  confirmedOrders: Type.Integer(),
  reservedUnits: Type.Integer({ description: 'Units in live holds (strategy reserve): taken from the stock until confirmed, cancelled or expired' }),
  releasedUnits: Type.Integer({ description: 'Units of holds that ended unpaid (cancelled or expired), given back to the stock' }),
  leasedUnits: Type.Integer({ description: 'Units every stock lease of the SKU took from the Redis counter (redis-lease: shares of processes; redis-buckets: fills of buckets)' }),
  returnedUnits: Type.Integer({ description: 'Units ended leases gave back to the counter: those none of their orders holds' }),
  liveLeasedUnits: Type.Integer({ description: 'Units held by leases not ended yet and not sold: off sale until their lease ends (idle, age, its bucket letting go of it, or its lifetime after a crash)' }),
  oversoldUnits: Type.Integer({ description: 'max(0, confirmedUnits + reservedUnits − initialStock − restockedUnits): a hold on a unit that does not exist is an oversell waiting to be paid' }),
  expectedStock: Type.Integer({ description: 'initialStock + restockedUnits − confirmedUnits − reservedUnits: what every store should hold once settled' }),
  pgStock: Type.Integer({ description: 'Stock counter in PostgreSQL (skus.stock); a lease takes its units off it when it opens and puts the unsold ones back when it ends' }),
  unitsNotInPgStock: Type.Integer({ description: 'Confirmed units that pgStock does not include yet: redis-lua orders, subtracted from skus.stock in batches (within ~100 ms)' }),
  redisStock: Type.Union([Type.Integer(), Type.Null()], { description: 'Stock counter in the main Redis; null when missing or unreachable' }),
  consistent: Type.Boolean({ description: 'True only when nothing is pending, nothing is oversold, pgStock − unitsNotInPgStock and redisStock, each with liveLeasedUnits added, equal expectedStock (released units are back in both)' }),
  outboxBacklog: Type.Integer({ description: 'Outbox events of the SKU not yet published to Kafka' }),
  inboxEvents: Type.Integer({ description: 'Order events of the SKU recorded by the downstream consumer (inbox rows)' }),
  outboxOrdersWithOneInboxEvent: Type.Integer({ description: 'Confirmed outbox-strategy orders with exactly one inbox event' }),
  everyOutboxOrderHasOneInboxEvent: Type.Boolean({ description: 'True when every confirmed outbox-strategy order has exactly one inbox event (delivered, not duplicated)' }),
  confirmationDelayMs: Type.Object(
    {
      count: Type.Integer({ description: 'Orders confirmed after they were created (0 for synchronous strategies)' }),
      p50: NullableNumber,
      p95: NullableNumber,
      p99: NullableNumber,
      max: NullableNumber,
    },
    { description: 'Asynchronous strategies: milliseconds from the order\'s creation (its request) to its confirmation by the worker' },
  ),
  asyncConfirmations: Type.Object(
    {
      orders: Type.Integer({ description: 'Orders confirmed after they were created (0 for synchronous strategies)' }),
      units: Type.Integer(),
      spanMs: Type.Union([Type.Number(), Type.Null()], { description: 'From the first to the last of those confirmations; null with fewer than two' }),
      lastAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'When the last of them was confirmed' }),
    },
    { description: 'Asynchronous strategies: the worker\'s confirmations, for its drain rate (units ÷ spanMs)' },
  ),
});

export const SkuReconciliation = Type.Object({
  sku: Type.String(),
  givenBackDeductions: Type.Integer({ description: 'redis-lua deductions given back because their order never came (the API died, PostgreSQL did not answer, Redis ran the script after the client gave up)' }),
  givenBackUnits: Type.Integer({ description: 'Units those deductions held, back on sale' }),
  counterRebuilds: Type.Integer({ description: 'Times the Redis stock counter was repaired: lost and set from the orders (counter_rebuilt), or brought to the units PostgreSQL-decided sales took when copies of them were missed or a copy of a sale that never committed was there (counter_resynced)' }),
  refusedOrders: Type.Integer({ description: 'Orders PostgreSQL refused because another order holds their units: the Redis counter had lost writes' }),
  refusedUnits: Type.Integer(),
  latest: Type.Array(
    Type.Object({
      action: Type.String({ description: 'deduction_given_back, counter_rebuilt, counter_resynced, units_refused or lease_given_back' }),
      units: Type.Integer(),
      orderId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
      detail: Type.Union([Type.String(), Type.Null()]),
      at: Type.String({ format: 'date-time' }),
    }),
    { description: 'The newest changes first (at most 50)' },
  ),
});

// At most 100,000 units a restock: redis-lua names each new unit in Redis, in the one script call.
export const RestockBody = Type.Object({ units: Type.Integer({ minimum: 1, maximum: 100_000 }) }, { additionalProperties: false });

export const RestockHeaders = Type.Object({
  'idempotency-key': Type.String({ pattern: idempotencyKeyPattern, description: 'Names this restock: a retry with the same key adds nothing more and gets the same answer' }),
});

export const RestockView = Type.Object({
  sku: Type.String(),
  units: Type.Integer({ description: 'Units this restock added' }),
  restockedUnits: Type.Integer({ description: 'Units every restock of the SKU added, this one included' }),
  available: Type.Integer({ description: 'Stock left according to PostgreSQL, just after this restock' }),
  replayed: Type.Boolean({ description: 'True when the key had restocked already: nothing was added now' }),
});
