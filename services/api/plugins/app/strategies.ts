import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { createStrategyRegistry, type StrategyRegistry } from '../../../strategies/registry.js';
import { startStockCatchUp } from '../../../strategies/stock-catch-up.js';
import { startDeductionReconciler } from '../../../strategies/deduction-reconciler.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    strategies: StrategyRegistry;
  }
}

/** The strategy registry, the metrics it writes to, and the background loops of Redis-decided orders (stock catch-up, deduction reconciler). */
export default fp(
  async (fastify) => {
    const metrics = createMetrics();
    fastify.decorate('metrics', metrics);
    const deps = { db: fastify.db, redis: fastify.redis, redisNodes: fastify.redisNodes, kafka: fastify.kafkaSender, config: fastify.config, log: fastify.log, metrics };
    fastify.decorate('strategies', createStrategyRegistry(deps));
    // Both run where redis-lua's orders are written (every API process; each is
    // safe side by side); stopped before the pools close (preClose runs before onClose).
    const loops = [startStockCatchUp(fastify.db, fastify.log), startDeductionReconciler(deps, fastify.config.REDIS_DEDUCTION_GRACE_MS)];
    fastify.addHook('preClose', async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    });
  },
  { name: 'strategies', dependencies: ['infrastructure'] },
);
