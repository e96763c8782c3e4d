import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { MainRedis } from '../shared/redis.js';
import type { Etcd3 } from 'etcd3';
import type { Log } from '../shared/log.js';
import type { Kafka } from 'kafkajs';
import type { Database, Order } from '../../db/schema.js';
import type { StrategyMetrics } from '../shared/metrics.js';
import type { Config } from '../shared/config.js';
import type { KafkaSender } from '../shared/kafka-sender.js';
import type { StrategyFacts } from './facts.js';

export type { StrategyFacts, StrategyNeed } from './facts.js';

/** A purchase that passed validation and holds its Idempotency-Key. */
export interface PurchaseRequest {
  orderId: string;
  sku: string;
  userId: string;
  quantity: number;
  idempotencyKey: string;
}

/** The order an earlier request with the same Idempotency-Key created. */
export interface EarlierOrder {
  orderId: string;
  sku: string;
  userId: string;
  quantity: number;
  strategy: string;
  /** Set when the order was a hold: its first answer was 201 `reserved` with this expiresAt. */
  expiresAt?: Date;
}

/**
 * What a strategy decided. Expected outcomes are values, not exceptions;
 * the HTTP layer maps each kind to a status code in one place.
 */
export type PurchaseOutcome =
  | { kind: 'confirmed'; orderId: string }
  | { kind: 'pending'; orderId: string }
  // A hold (strategy reserve): the units are taken until expiresAt, then confirmed or released.
  | { kind: 'reserved'; orderId: string; expiresAt: Date }
  | { kind: 'sold_out' }
  // The buyer would hold more than the SKU's maxPerUser (PostgreSQL refused the order).
  | { kind: 'per_user_limit' }
  | { kind: 'unknown_sku' }
  // An order already exists for this Idempotency-Key: a retry, or the same key
  // at once in another process. `earlier` when the strategy knows that order
  // itself (from its Redis marker); otherwise the caller reads PostgreSQL.
  | { kind: 'duplicate'; earlier?: EarlierOrder }
  // Could not decide in time: lock wait or retries exhausted. Safe to retry.
  | { kind: 'contended'; reason: string }
  // A store the strategy needs did not answer. Safe to retry.
  | { kind: 'unavailable'; dependency: string; reason: string };


/** Something a strategy started (a loop, a consumer) and how to end it. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** A purchase a strategy accepted (202) that PostgreSQL does not hold as an order yet. */
export interface PendingPurchase {
  orderId: string;
  sku: string;
  quantity: number;
}

/** A hold ended by its buyer: confirmed (paid) or cancelled (units back). */
export type SettleAction = 'confirm' | 'cancel';

/** The settled order, and whether this answer repeats an earlier one under the same key. */
export interface Settled {
  order: Order;
  replayed: boolean;
}

/**
 * A strategy: its facts, its purchase, and the optional parts some have.
 * The API and the worker start and ask these parts through this interface,
 * never by the strategy's name.
 */
export interface Strategy extends StrategyFacts {
  /**
   * True when the strategy's refusal already says whether the key has an
   * order, from PostgreSQL itself (pg-atomic, outbox, pg-batched: the sale
   * statement looks). Otherwise a refusal is followed by a PostgreSQL read
   * (batched, see order-lookup.ts), so a retry of a sale that has since sold
   * out still gets its order back rather than a 409. redis-lua and
   * kafka-queue read their Redis marker first, but a marker can be lost
   * (Redis data loss, a failover, its 24 h lifetime): PostgreSQL is asked too.
   */
  readonly refusalChecksKey: boolean;
  purchase(request: PurchaseRequest): Promise<PurchaseOutcome>;
  /** Starts what it runs in every API process beside its purchases (side by side with other processes); stopped before the pools close. */
  startApiLoops?(): Stoppable[];
  /** An order it accepted and PostgreSQL does not hold yet, by id; undefined when it knows none. Throws when its store cannot say. */
  findPendingPurchase?(orderId: string): Promise<PendingPurchase | undefined>;
  /**
   * The Idempotency-Keys of its purchases of a SKU that may have an order
   * PostgreSQL does not show yet (decided in Redis, its order on the way or
   * queued). Read after a sell-out, before PostgreSQL's orders of the SKU, so
   * that the two together name every key that bought (sold-out-memory.ts).
   * Undefined when they cannot be named now (redis-lease: units still in a
   * live lease may go to any key): the sell-out is not remembered. Throws
   * when its store cannot say.
   */
  keysWithoutOrders?(sku: string): Promise<string[] | undefined>;
  /** Its accepted purchases of a SKU that are not orders yet, for the audit; null when its store cannot say. */
  pendingPurchases?(sku: string): Promise<PendingPurchase[] | null>;
  /** Confirms or cancels one of its holds under its own Idempotency-Key (POST /v1/orders/:id/confirm and /cancel). */
  settleHold?(action: SettleAction, orderId: string, key: string): Promise<Settled>;
}

/**
 * What every strategy may use: PostgreSQL, the main Redis (the stock counter
 * every strategy keeps in step), config, log, metrics. A strategy that needs
 * more asks for it by name (`StrategyDeps` picks), so building one in a test
 * builds only what it uses.
 */
export type BaseDeps = Pick<StrategyDeps, 'db' | 'redis' | 'config' | 'log' | 'metrics'>;

/** What a strategy's worker part may use: not the Redlock quorum nor etcd (nothing in the worker takes a lock), and the Kafka client its consumers join groups with. */
export type WorkerDeps = Pick<StrategyDeps, 'db' | 'redis' | 'kafka' | 'config' | 'log' | 'metrics'>;

export interface WorkerParts extends WorkerDeps {
  kafkaClient: Kafka;
}

/** What strategies may use. They never see Fastify. */
export interface StrategyDeps {
  db: Kysely<Database>;
  /** The main Redis, where the stock counter lives: one server or a Redis Cluster. */
  redis: MainRedis;
  /** Every server of REDIS_URLS: the Redlock quorum (independent servers, never the cluster). */
  redisNodes: Redis[];
  /** Sends to Kafka (acks from all in-sync replicas); connects on first use. */
  kafka: KafkaSender;
  /** The etcd cluster (etcd-lock); connects on first use. */
  etcd: Etcd3;
  config: Config;
  log: Log;
  metrics: StrategyMetrics;
}
