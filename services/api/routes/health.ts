import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { problemBody, problemContentType } from '../problem.js';
import { createReadinessCheck } from '../health-checks.js';
import { isCluster } from '../../shared/redis.js';
import { Ready } from '../schemas/health.js';
import { problemResponses } from '../schemas/problem.js';
import { retryReadinessAfterSeconds } from '../retry-after.js';

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  const readiness = createReadinessCheck({
    db: fastify.db,
    redisNodes: fastify.redisNodes,
    cluster: isCluster(fastify.redis) ? fastify.redis : undefined,
    etcd: fastify.etcd,
    kafka: fastify.kafka,
    timeoutMs: fastify.config.HEALTH_CHECK_TIMEOUT_MS,
  });
  fastify.addHook('onClose', readiness.close);

  fastify.get('/health/live', {
    schema: { tags: ['health'], summary: 'The process is up', response: { 200: Type.Object({ status: Type.Literal('ok') }), ...problemResponses } },
  }, async () => ({ status: 'ok' as const }));

  fastify.get('/health/ready', {
    schema: {
      tags: ['health'],
      summary: 'PostgreSQL, every Redis and Kafka answer',
      response: { 200: Ready, ...problemResponses },
    },
  }, async (_request, reply) => {
    const checks = await readiness.check();
    const down = Object.entries(checks).filter(([, state]) => state === 'down').map(([name]) => name);
    if (down.length === 0) return { status: 'ready' as const, checks };
    return reply
      .code(503)
      .type(problemContentType)
      .header('retry-after', String(retryReadinessAfterSeconds))
      .send(problemBody('dependency_unavailable', `Not ready: ${down.join(', ')} down.`, { checks, down }));
  });
};

export default routes;
