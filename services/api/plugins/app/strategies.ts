import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { createStrategyRegistry, type StrategyRegistry } from '../../../strategies/registry.js';
import { startStockCatchUp } from '../../../strategies/stock-catch-up.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    strategies: StrategyRegistry;
  }
}

/** The strategy registry, the metrics it writes to, and the stock catch-up of Redis-decided orders. */
export default fp(
  async (fastify) => {
    const metrics = createMetrics();
    fastify.decorate('metrics', metrics);
    fastify.decorate(
      'strategies',
      createStrategyRegistry({
        db: fastify.db,
        redis: fastify.redis,
        redisNodes: fastify.redisNodes,
        kafka: fastify.kafkaSender,
        config: fastify.config,
        log: fastify.log,
        metrics,
      }),
    );
    // Runs where redis-lua's orders are written; stopped before the pools close (preClose runs before onClose).
    const catchUp = startStockCatchUp(fastify.db, fastify.log);
    fastify.addHook('preClose', () => catchUp.stop());
  },
  { name: 'strategies', dependencies: ['infrastructure'] },
);
