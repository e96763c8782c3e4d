import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Problem } from '../../schemas/problem.js';

/** OpenAPI 3 generated from the route schemas: UI at /docs, spec at /docs/json. */
export default fp(
  async (fastify) => {
    fastify.addSchema(Problem);
    await fastify.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'flash-sale-inventory',
          description: 'Anti-oversell strategies for one hot SKU, chosen per request with X-Strategy.',
          version: '0.1.0',
        },
        components: {
          securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' } },
        },
      },
    });
    await fastify.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi' },
);
