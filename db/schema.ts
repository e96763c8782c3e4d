import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Stock per SKU. `stock` is what is still available; orders are the truth of what was sold. */
export interface SkusTable {
  sku: string;
  initial_stock: number;
  stock: number;
  // Bumped by every write to `stock`, so an optimistic writer sees any interleaving.
  version: Generated<number>;
  // bigint: pg returns it as a string; compare it in SQL, not in JavaScript.
  fence_token: Generated<string>;
  created_at: Generated<Date>;
}

export const orderStatuses = ['pending', 'confirmed', 'rejected'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface OrdersTable {
  id: string;
  sku: string;
  user_id: string;
  quantity: number;
  strategy: string;
  status: OrderStatus;
  reason: string | null;
  idempotency_key: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type IdempotencyState = 'in_flight' | 'completed';

/** The first answer given for each Idempotency-Key, replayed to every retry. */
export interface IdempotencyKeysTable {
  key: string;
  request_hash: string;
  state: IdempotencyState;
  response_status: number | null;
  // jsonb: written as a JSON string, read back as a parsed value.
  response_body: ColumnType<unknown, string | null, string | null>;
  claimed_at: Generated<Date>;
  completed_at: Date | null;
}

/** Events written in the purchase transaction, published to Kafka by the relay. */
export interface OutboxTable {
  id: string;
  sku: string;
  order_id: string;
  type: string;
  payload: ColumnType<unknown, string, string>;
  created_at: Generated<Date>;
  published_at: Date | null;
}

/** Events the downstream consumer has applied, one row per event id. */
export interface InboxTable {
  event_id: string;
  order_id: string;
  sku: string;
  type: string;
  received_at: Generated<Date>;
}

export interface Database {
  skus: SkusTable;
  orders: OrdersTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox: OutboxTable;
  inbox: InboxTable;
}

export type Sku = Selectable<SkusTable>;
export type Order = Selectable<OrdersTable>;
export type NewOrder = Insertable<OrdersTable>;
export type IdempotencyRecord = Selectable<IdempotencyKeysTable>;
