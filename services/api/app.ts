import type { FastifyInstance } from 'fastify';
import { parseStrictJson } from '../../lib/strict-json.js';
import type { Config } from '../shared/config.js';
import type { StrategyDefinition } from '../strategies/registry.js';
import openapi from './plugins/external/openapi.js';
import adminAuth from './plugins/app/admin-auth.js';
import configPlugin from './plugins/app/config.js';
import infrastructure from './plugins/app/infrastructure.js';
import problems from './plugins/app/problems.js';
import connections from './plugins/app/connections.js';
import rateLimits from './plugins/app/rate-limits.js';
import strategies from './plugins/app/strategies.js';
import waitingRoom from './plugins/app/waiting-room.js';
import health from './routes/health.js';
import metrics from './routes/metrics.js';
import orders from './routes/orders.js';
import purchases from './routes/purchases.js';
import line from './routes/line.js';
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
  // Strict JSON (lib/strict-json.ts): a key twice in one object is a 400, not
  // "the last one wins" (`"quantity":1,"quantity":5` sold 5). Its cost, measured
  // on a 71-byte purchase body (2026-12-05): 0.54-0.64 µs against JSON.parse's
  // 0.26 µs (0.69-0.75 µs while each key went through JSON.parse), where a
  // refusal from memory costs the API ~60 µs of CPU: kept for every body.
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseStrictJson(String(body)));
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      done(Object.assign(new Error(`The body is not acceptable JSON: ${message}`), { statusCode: 400 }), undefined);
    }
  });
  await fastify.register(configPlugin, { config: options.config });
  await fastify.register(problems);
  await fastify.register(connections);
  await fastify.register(openapi);
  await fastify.register(infrastructure);
  await fastify.register(waitingRoom);
  await fastify.register(strategies, { definitions: options.strategies });
  await fastify.register(adminAuth);
  await fastify.register(rateLimits);

  await fastify.register(health);
  await fastify.register(strategyRoutes);
  await fastify.register(skus);
  await fastify.register(purchases);
  await fastify.register(line);
  await fastify.register(orders);
  await fastify.register(metrics);
}
