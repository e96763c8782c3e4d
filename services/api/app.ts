import type { FastifyInstance } from 'fastify';
import type { Config } from '../shared/config.js';
import type { StrategyDefinition } from '../strategies/registry.js';
import openapi from './plugins/external/openapi.js';
import adminAuth from './plugins/app/admin-auth.js';
import configPlugin from './plugins/app/config.js';
import infrastructure from './plugins/app/infrastructure.js';
import problems from './plugins/app/problems.js';
import strategies from './plugins/app/strategies.js';
import health from './routes/health.js';
import metrics from './routes/metrics.js';
import orders from './routes/orders.js';
import purchases from './routes/purchases.js';
import skus from './routes/skus.js';
import strategyRoutes from './routes/strategies.js';

/** The whole API as one plugin: server.ts listens with it, tests inject() into it. */
export interface AppOptions {
  config: Config;
  /** The strategies served; the registry's own by default (a test build adds a throwaway one). */
  strategies?: readonly StrategyDefinition[];
}

export default async function app(fastify: FastifyInstance, options: AppOptions): Promise<void> {
  // JSON only: Fastify also parses text/plain by default, which would turn a
  // wrong Content-Type into a confusing validation error instead of a 415.
  fastify.removeContentTypeParser('text/plain');
  await fastify.register(configPlugin, { config: options.config });
  await fastify.register(problems);
  await fastify.register(openapi);
  await fastify.register(infrastructure);
  await fastify.register(strategies, { definitions: options.strategies });
  await fastify.register(adminAuth);

  await fastify.register(health);
  await fastify.register(strategyRoutes);
  await fastify.register(skus);
  await fastify.register(purchases);
  await fastify.register(orders);
  await fastify.register(metrics);
}
