import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { ConfigError } from '../../../shared/config.js';
import { createStrategyRegistry, type StrategyDefinition, type StrategyRegistry } from '../../../strategies/registry.js';
import { startStockCatchUp } from '../../../strategies/redis-lua/stock-catch-up.js';
import { startDeductionReconciler } from '../../../strategies/redis-lua/deduction-reconciler.js';
import { startMirrorRepair } from '../../../strategies/common/stock-mirror.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    strategies: StrategyRegistry;
  }
}

/** The strategy registry, the metrics it writes to, and the loops that keep the two stores in step (stock catch-up, deduction reconciler, mirror repair). */
export default fp<{ definitions?: readonly StrategyDefinition[] }>(
  async (fastify, options) => {
    const metrics = createMetrics();
    fastify.decorate('metrics', metrics);
    const deps = { db: fastify.db, redis: fastify.redis, redisNodes: fastify.redisNodes, kafka: fastify.kafkaSender, etcd: fastify.etcd, config: fastify.config, log: fastify.log, metrics };
    const strategies = createStrategyRegistry(deps, options.definitions);
    // A typo here would answer 400 unknown_strategy to every request without X-Strategy: stop at start instead.
    if (!strategies.has(fastify.config.DEFAULT_STRATEGY)) {
      throw new ConfigError(`DEFAULT_STRATEGY "${fastify.config.DEFAULT_STRATEGY}" is not a strategy; known: ${[...strategies.keys()].join(', ')}`);
    }
    fastify.decorate('strategies', strategies);
    // Run in every API process (each is safe side by side): the catch-up and
    // reconciler where redis-lua's orders are written, the mirror repair where
    // PostgreSQL's decisions are copied to Redis; stopped before the pools close (preClose runs before onClose).
    const loops = [startStockCatchUp(fastify.db, fastify.log), startDeductionReconciler(deps, fastify.config.REDIS_DEDUCTION_GRACE_MS), startMirrorRepair(deps)];
    fastify.addHook('preClose', async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    });
  },
  { name: 'strategies', dependencies: ['infrastructure'] },
);
