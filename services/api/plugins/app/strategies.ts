import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { createStrategyRegistry, type StrategyRegistry } from '../../../strategies/registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    strategies: StrategyRegistry;
  }
}

/** The strategy registry and the metrics it writes to. */
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
  },
  { name: 'strategies', dependencies: ['infrastructure'] },
);
