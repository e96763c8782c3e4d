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
  // redlock's own fence: its tokens (a sequence) are not comparable with redis-lock's (a per-SKU counter).
  redlock_fence_token: Generated<string>;
  // etcd-lock's own fence: etcd revisions.
  etcd_fence_token: Generated<string>;
  // Units one buyer may hold; null: unlimited. Enforced by the database (user_purchases).
  max_per_user: ColumnType<number | null, number | null | undefined, never>;
  // How long a `reserve` purchase holds its units (default 600).
  hold_seconds: ColumnType<number, number | undefined, never>;
  // The SKU's waiting room (2026-12-08T00-00-waiting-rooms), fixed at creation: the admission
  // token's lifetime (null: no waiting room), the admission rate (null: auto), and how long
  // after the line opens arrivals are drawn in random order.
  line_token_ttl_seconds: ColumnType<number | null, number | null | undefined, never>;
  line_admit_per_second: ColumnType<number | null, number | null | undefined, never>;
  line_draw_seconds: ColumnType<number, number | undefined, never>;
  // Units ended holds ever gave back, and how many of them the Redis counter is known to have
  // (2026-12-04T00-00-released-copies): where they differ, a release is still to copy.
  released_units: Generated<number>;
  released_copied: Generated<number>;
  // Units PostgreSQL-decided sales ever took (2026-12-05T00-00-decided-units); the Redis counter
  // copies this total, not each sale's change (stock-mirror.ts).
  decided_units: Generated<number>;
  // Units restocks ever added (2026-12-05T01-00-restocks), copied to Redis as a total.
  restocked_units: Generated<number>;
  created_at: Generated<Date>;
}

// reserved: a hold (strategy reserve) until expires_at; it ends confirmed, cancelled or expired.
export const orderStatuses = ['pending', 'confirmed', 'rejected', 'reserved', 'expired', 'cancelled'] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export interface OrdersTable {
  id: string;
  sku: string;
  user_id: string;
  quantity: number;
  strategy: string;
  status: OrderStatus;
  reason: string | null;
  // The record of an Idempotency-Key: one order per key, its answer replayed from this row.
  idempotency_key: string;
  // False while skus.stock does not yet include this order (Redis decided it; a batch subtracts it).
  stock_applied: Generated<boolean>;
  // redis-lua, redis-buckets, redis-lease: the units this order took, as a multirange literal ('{[5,8)}');
  // null for other strategies. No two orders of a SKU may hold the same unit: an INSERT's trigger puts
  // each unit in sold_units, whose primary key refuses one taken. Fixed once written (a trigger refuses a change).
  units: ColumnType<string | null, string | null | undefined, never>;
  // redis-lease: the lease the order sold from; null for other strategies.
  lease_id: ColumnType<string | null, string | null | undefined, never>;
  // A hold's end (PostgreSQL's clock); null for orders that are not holds.
  expires_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  // The Idempotency-Key of the confirm or cancel that settled a hold.
  settle_key: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: ColumnType<Date, Date | undefined, never>;
  updated_at: Generated<Date>;
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

/**
 * Units each buyer holds of a SKU with a per-user limit, kept by a trigger on
 * orders (migration 2026-12-02T02-00-per-user-limit), never written by the
 * application: a CHECK refuses the order that would pass the limit.
 */
export interface UserPurchasesTable {
  sku: string;
  user_id: string;
  units: number;
  max_units: number;
}

/** What the reconciler (or a counter rebuild) changed: one row per action. */
export interface ReconciliationsTable {
  id: Generated<string>;
  sku: string;
  action: string;
  units: number;
  order_id: string | null;
  detail: string | null;
  at: Generated<Date>;
}

export interface Database {
  skus: SkusTable;
  orders: OrdersTable;
  outbox: OutboxTable;
  inbox: InboxTable;
  reconciliations: ReconciliationsTable;
  user_purchases: UserPurchasesTable;
  restocks: RestocksTable;
  leases: LeasesTable;
  sold_units: SoldUnitsTable;
}

// Each unit an order names, once (migration 2026-12-09T00-00-sold-units): written only by the
// orders' INSERT triggers; its primary key is the check. Read by the order writer after a batch
// met a sold unit, by a lease's close and by a counter rebuild.
export interface SoldUnitsTable {
  sku: string;
  unit: number;
  // The order's lease (orders.lease_id), for a lease's close.
  lease_id: string | null;
}

// One restock, by the Idempotency-Key it came with.
export interface RestocksTable {
  idempotency_key: string;
  sku: string;
  units: number;
  created_at: Generated<Date>;
}

// A stock lease (redis-lease's share of a process, redis-buckets' fill of a bucket), and its fence
// (migrations 2026-12-06T00-00-leases, 2026-12-07T00-00-lease-ledgers).
export interface LeasesTable {
  id: string;
  sku: string;
  // The Redis ledger that lists it (strategies/common/leases/keys.ts): whose reconciler ends it.
  ledger: string;
  // Inclusive of every unit the lease took, as a multirange literal ('{[5,8)}').
  units: string;
  taken_at: Generated<Date>;
  closed_at: Date | null;
  returned_units: number | null;
  stock_moved: Generated<boolean>;
}

export type Sku = Selectable<SkusTable>;
export type Order = Selectable<OrdersTable>;
export type NewOrder = Insertable<OrdersTable>;
