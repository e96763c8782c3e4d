import type { Consumer } from 'kafkajs';
import { createDb } from '../../db/client.js';
import { type Config, kafkaBrokers, redisUrls } from '../shared/config.js';
import { createKafka, ensureTopics } from '../shared/kafka.js';
import { createKafkaSender } from '../shared/kafka-sender.js';
import type { Log } from '../shared/log.js';
import { createMetrics } from '../shared/metrics.js';
import { createRedis } from '../shared/redis.js';
import { defineScripts } from '../strategies/common/redis-scripts.js';
import type { WorkerDeps } from './deps.js';
import { type MetricsServer, startMetricsServer } from './metrics-server.js';
import { startInboxConsumer } from '../strategies/outbox/inbox-consumer.js';
import { type OutboxRelay, startOutboxRelay } from '../strategies/outbox/relay.js';
import { startPurchaseApplier } from '../strategies/kafka-queue/applier.js';
import { startQueueSweeper } from '../strategies/kafka-queue/sweeper.js';
import { startHoldSweeper } from '../strategies/reserve/hold-sweeper.js';
import { startMirrorRepair } from '../strategies/common/stock-mirror.js';
import type { PollLoop } from '../shared/poll-loop.js';

export interface RunningWorker {
  /** Where its Prometheus metrics are served. */
  metricsUrl: string;
  stop(): Promise<void>;
}

/**
 * The worker, in-process: the purchase applier and the queue sweeper
 * (kafka-queue), the outbox relay and the inbox consumer (outbox), the hold
 * sweeper (reserve). Resolves once both consumers have joined
 * their groups. main.ts runs it as a process; tests call it directly.
 */
export async function startWorker(config: Config, log: Log): Promise<RunningWorker> {
  const db = createDb({
    connectionString: config.DATABASE_URL,
    poolMax: config.PG_POOL_MAX,
    acquireTimeoutMs: config.PG_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
    applicationName: 'flash-sale-worker',
  });
  // Only the main Redis: the stock counter and the sold-out flag live there.
  const [mainUrl] = redisUrls(config);
  if (mainUrl === undefined) throw new Error('REDIS_URLS lists no server');
  const redis = createRedis(mainUrl, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: 'flash-sale-worker' });
  redis.on('error', (error: Error) => log.debug({ err: error }, 'redis connection error'));
  defineScripts(redis);
  const kafka = createKafka(kafkaBrokers(config), 'flash-sale-worker', log);
  const sender = createKafkaSender(kafka, config);
  const workerMetrics = createMetrics();
  const deps: WorkerDeps = { db, redis, kafka: sender, config, log, metrics: workerMetrics };

  const consumers: Consumer[] = [];
  let relay: OutboxRelay | undefined;
  let sweeper: PollLoop | undefined;
  let repair: PollLoop | undefined;
  let holds: PollLoop | undefined;
  let metrics: MetricsServer | undefined;
  async function stop(): Promise<void> {
    await Promise.all([relay?.stop(), sweeper?.stop(), repair?.stop(), holds?.stop(), metrics?.close()]);
    // disconnect() waits for the message in hand, then leaves the group: its partitions move at once.
    await Promise.allSettled(consumers.map((consumer) => consumer.disconnect()));
    await Promise.allSettled([sender.close(), db.destroy(), redis.quit()]);
  }

  try {
    metrics = await startMetricsServer(workerMetrics.registry, config.HOST, config.WORKER_METRICS_PORT);
    await ensureTopics(kafka, config);
    relay = startOutboxRelay(deps);
    sweeper = startQueueSweeper(deps);
    // The applier copies its decisions to the Redis counter: one it missed is set from the orders.
    repair = startMirrorRepair(deps);
    holds = startHoldSweeper(deps);
    const started = await Promise.all([startPurchaseApplier(kafka, deps), startInboxConsumer(kafka, deps)]);
    consumers.push(...started);
  } catch (error: unknown) {
    await stop();
    throw error;
  }
  log.info({ applyMaxPerSecond: config.QUEUE_APPLY_MAX_PER_SECOND, sweepAfterMs: config.QUEUE_SWEEP_AFTER_MS, holdSweepMs: config.HOLD_SWEEP_MS, metrics: metrics.url }, 'worker started');
  return { metricsUrl: metrics.url, stop };
}
