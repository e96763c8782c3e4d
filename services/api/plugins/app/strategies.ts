import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { ConfigError } from '../../../shared/config.js';
import { createStrategyRegistry, defaultStrategyName, type StrategyDefinition, type StrategyRegistry } from '../../../strategies/registry.js';
import { startMirrorRepair } from '../../../strategies/common/stock-mirror.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    strategies: StrategyRegistry;
    /** What a purchase naming no strategy gets: DEFAULT_STRATEGY, or the registry's default. */
    defaultStrategy: string;
  }
}

/** The strategy registry, the metrics it writes to, the mirror repair, and the loops the strategies declare. */
export default fp<{ definitions?: readonly StrategyDefinition[] }>(
  async (fastify, options) => {
    const metrics = createMetrics();
    fastify.decorate('metrics', metrics);
    const deps = { db: fastify.db, redis: fastify.redis, redisNodes: fastify.redisNodes, kafka: fastify.kafkaSender, etcd: fastify.etcd, config: fastify.config, log: fastify.log, metrics };
    const strategies = createStrategyRegistry(deps, options.definitions);
    // A typo here would answer 400 unknown_strategy to every request without X-Strategy: stop at start instead.
    const chosen = fastify.config.DEFAULT_STRATEGY;
    if (chosen !== undefined && !strategies.has(chosen)) {
      throw new ConfigError(`DEFAULT_STRATEGY "${chosen}" is not a strategy; known: ${[...strategies.keys()].join(', ')}`);
    }
    // A registry built for a test may lack the usual default: its first strategy then.
    const fallback = strategies.has(defaultStrategyName) ? defaultStrategyName : [...strategies.keys()][0];
    const defaultStrategy = chosen ?? fallback;
    if (defaultStrategy === undefined) throw new ConfigError('no strategy is registered');
    fastify.decorate('strategies', strategies);
    fastify.decorate('defaultStrategy', defaultStrategy);
    // Run in every API process (each is safe side by side): the mirror repair where
    // PostgreSQL's decisions are copied to Redis, and the loops each strategy declares;
    // stopped before the pools close (preClose runs before onClose).
    const loops = [startMirrorRepair(deps), ...[...strategies.values()].flatMap((strategy) => strategy.startApiLoops?.() ?? [])];
    fastify.addHook('preClose', async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    });
  },
  { name: 'strategies', dependencies: ['infrastructure'] },
);
