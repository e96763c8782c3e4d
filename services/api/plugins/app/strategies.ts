import fp from 'fastify-plugin';
import { createMetrics, type Metrics } from '../../../shared/metrics.js';
import { ConfigError } from '../../../shared/config.js';
import { createStrategyRegistry, defaultStrategyName, type StrategyDefinition, type StrategyRegistry } from '../../../strategies/registry.js';
import { startMirrorRepair } from '../../../strategies/common/stock-mirror.js';
import { SoldOutMemory } from '../../purchases/sold-out-memory.js';
import { createSoldOutKeyLoader } from '../../purchases/sold-out-keys.js';
import { listenForStockNews } from '../../../shared/stock-news.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics;
    strategies: StrategyRegistry;
    /** What a purchase naming no strategy gets: DEFAULT_STRATEGY, or the registry's default. */
    defaultStrategy: string;
    /** Sold out, known in this process (purchases read it; routes that put units back tell it at once). */
    soldOut: SoldOutMemory;
  }
}

/** The strategy registry, the metrics it writes to, the mirror repair, the loops the strategies declare, and the memory of sold-out SKUs. */
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
    const soldOut = new SoldOutMemory({
      ttlMs: fastify.config.SOLD_OUT_MEMORY_TTL_MS,
      maxKeys: fastify.config.SOLD_OUT_MEMORY_MAX_KEYS,
      loadKeys: createSoldOutKeyLoader(fastify.db, strategies.values()),
      onLoadFailed: (error, sku) => fastify.log.warn({ err: error, sku }, 'sold out not remembered: its buyers could not be read'),
    });
    fastify.decorate('soldOut', soldOut);
    // Off (TTL 0): no subscription either.
    if (fastify.config.SOLD_OUT_MEMORY_TTL_MS > 0) {
      // The waiting rooms hear the same news: units back end a line's "sold out".
      const { waitingRoom } = fastify;
      const listener = {
        stockBack: (sku: string) => {
          soldOut.stockBack(sku);
          waitingRoom.stockBack(sku);
        },
        listening: (on: boolean) => {
          soldOut.listening(on);
          waitingRoom.listening(on);
        },
      };
      const news = listenForStockNews(fastify.redis, listener, fastify.log);
      fastify.addHook('onClose', async () => news.stop());
    }
    // Run in every API process (each is safe side by side): the mirror repair where
    // PostgreSQL's decisions are copied to Redis, and the loops each strategy declares;
    // stopped before the pools close (preClose runs before onClose).
    const loops = [startMirrorRepair(deps), ...[...strategies.values()].flatMap((strategy) => strategy.startApiLoops?.() ?? [])];
    fastify.addHook('preClose', async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    });
  },
  { name: 'strategies', dependencies: ['infrastructure', 'waiting-room'] },
);
