import type { FastifyPluginAsync } from 'fastify';

const routes: FastifyPluginAsync = async (fastify) => {
  fastify.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const { registry } = fastify.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
};

export default routes;
