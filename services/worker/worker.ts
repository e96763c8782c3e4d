import { createDb } from '../../db/client.js';
import { type Config, kafkaBrokers } from '../shared/config.js';
import { createKafka, ensureTopics } from '../shared/kafka.js';
import { createKafkaSender } from '../shared/kafka-sender.js';
import type { Log } from '../shared/log.js';
import { createMetrics } from '../shared/metrics.js';
import { clusterReady, createMainRedis } from '../shared/redis.js';
import { defineScripts } from '../strategies/common/redis-scripts.js';
import type { WorkerDeps } from '../strategies/strategy.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';
import { strategyDefinitions, type StrategyDefinition } from '../strategies/registry.js';
import type { Stoppable } from '../strategies/strategy.js';
import { startMirrorRepair } from '../strategies/common/stock-mirror.js';

export interface RunningWorker {
  /** Where its Prometheus metrics are served. */
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * The worker, in-process: the part each strategy declares (its queue's
 * applier and sweeper, its event relay and consumer, its hold sweeper: see
 * each definition's startWorker in the registry), beside the mirror repair
 * that every PostgreSQL-decided copy to Redis relies on. Resolves once every
 * part runs (consumers have joined their groups). main.ts runs it as a
 * process; tests call it directly.
 */
export async function startWorker(config: Config, log: Log, definitions: readonly StrategyDefinition[] = strategyDefinitions): Promise<RunningWorker> {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolMax: config.PG_POOL_MAX,
    acquireTimeoutMs: config.PG_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
    applicationName: 'flash-sale-worker',
  });
  // Only the main Redis (one server or the cluster): the stock counter and the sold-out flag live there.
  const redis = createMainRedis(config, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: 'flash-sale-worker' });
  redis.on('error', (error: Error) => log.debug({ err: error }, 'redis connection error'));
  defineScripts(redis);
  if (!(await clusterReady(redis, config.REDIS_COMMAND_TIMEOUT_MS * 10))) log.warn('Redis Cluster not reachable yet; the loops retry until it is');
  // The pid in the client id: with N workers, a group's member list says which process holds which partitions.
  const kafka = createKafka(kafkaBrokers(config), `flash-sale-worker-${process.pid}`, log);
  const sender = createKafkaSender(kafka, config);
  const workerMetrics = createMetrics();
  const deps: WorkerDeps = { db, redis, kafka: sender, config, log, metrics: workerMetrics };

  const parts: Stoppable[] = [];
  let metrics: MetricsServer | undefined;
  async function stop(): Promise<void> {
    // Each part stops its loops, then leaves its consumer group (its partitions move at once).
    await Promise.allSettled([...parts.map((part) => part.stop()), metrics?.close()]);
    await Promise.allSettled([sender.close(), db.destroy(), redis.quit()]);
  }

  try {
    metrics = await startMetricsServer(workerMetrics.registry, config.HOST, config.WORKER_METRICS_PORT);
    await ensureTopics(kafka, config);
    // The queue's applier copies its decisions to the Redis counter: one it missed is set from the orders.
    parts.push(startMirrorRepair(deps));
    const started = await Promise.allSettled(definitions.map((definition) => definition.startWorker?.({ ...deps, kafkaClient: kafka })));
    for (const result of started) if (result.status === 'fulfilled' && result.value !== undefined) parts.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  } catch (error: unknown) {
    await stop();
    throw error;
  }
  log.info({ applyMaxPerSecond: config.QUEUE_APPLY_MAX_PER_SECOND, sweepAfterMs: config.QUEUE_SWEEP_AFTER_MS, holdSweepMs: config.HOLD_SWEEP_MS, metrics: metrics.url }, 'worker started');
  return { metricsUrl: metrics.url, stop };
}
