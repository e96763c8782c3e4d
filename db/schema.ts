import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/** Stock per SKU. `stock` is what is still available; orders are the truth of what was sold. */
export interface SkusTable {
  sku: string;
  initial_stock: number;
  stock: number;
  // Bumped by every write to `stock`, so an optimistic writer sees any interleaving.
  version: Generated<number>;
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

export interface Database {
  skus: SkusTable;
  orders: OrdersTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type Sku = Selectable<SkusTable>;
export type Order = Selectable<OrdersTable>;
export type NewOrder = Insertable<OrdersTable>;
export type IdempotencyRecord = Selectable<IdempotencyKeysTable>;
