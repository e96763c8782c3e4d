import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { Log } from '../shared/log.js';
import type { Database } from '../../db/schema.js';
import type { StrategyMetrics } from '../shared/metrics.js';
import type { Config } from '../shared/config.js';
import type { KafkaSender } from '../shared/kafka-sender.js';

/** A purchase that passed validation and holds its Idempotency-Key. */
export interface PurchaseRequest {
  orderId: string;
  sku: string;
  userId: string;
  quantity: number;
  idempotencyKey: string;
}

/**
 * What a strategy decided. Expected outcomes are values, not exceptions;
 * the HTTP layer maps each kind to a status code in one place.
 */
export type PurchaseOutcome =
  | { kind: 'confirmed'; orderId: string }
  | { kind: 'pending'; orderId: string }
  | { kind: 'sold_out' }
  | { kind: 'unknown_sku' }
  // An order already exists for this Idempotency-Key (a retry after a crash).
  | { kind: 'duplicate' }
  // Could not decide in time: lock wait or retries exhausted. Safe to retry.
  | { kind: 'contended'; reason: string }
  // A store the strategy needs did not answer. Safe to retry.
  | { kind: 'unavailable'; dependency: string; reason: string };

export interface Strategy {
  readonly name: string;
  readonly description: string;
  /** True when the answer is 202 pending and the order settles later. */
  readonly async: boolean;
  purchase(request: PurchaseRequest): Promise<PurchaseOutcome>;
}

/** What strategies may use. They never see Fastify. */
export interface StrategyDeps {
  db: Kysely<Database>;
  /** The main Redis, where the stock counter lives. */
  redis: Redis;
  /** Every Redis server, main first: the Redlock quorum. */
  redisNodes: Redis[];
  /** Sends to Kafka (acks from all in-sync replicas); connects on first use. */
  kafka: KafkaSender;
  config: Config;
  log: Log;
  metrics: StrategyMetrics;
}
