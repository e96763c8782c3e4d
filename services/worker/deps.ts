import type { StrategyDeps } from '../strategies/strategy.js';

/**
 * What the worker's parts use: PostgreSQL, the main Redis (stock counter,
 * queue records, sold-out flag), the Kafka sender, config, log and its own
 * metrics. Not the Redlock quorum: nothing in the worker takes a lock.
 */
export type WorkerDeps = Pick<StrategyDeps, 'db' | 'redis' | 'kafka' | 'config' | 'log' | 'metrics'>;
