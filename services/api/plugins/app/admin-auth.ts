import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { ProblemError } from '../../../shared/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook of admin routes: Authorization: Bearer <ADMIN_TOKEN>.
     * onRequest, the first hook: a caller without the token learns nothing
     * from the route (no body read, no validation errors naming its fields).
     */
    requireAdmin: (request: FastifyRequest) => Promise<void>;
  }
}

// Hashing both sides gives equal lengths, so the comparison time says nothing about the token.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export default fp(
  async (fastify) => {
    const expected = digest(fastify.config.ADMIN_TOKEN);
    fastify.decorate('requireAdmin', async (request: FastifyRequest) => {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer (.+)$/.exec(header);
      if (match?.[1] === undefined || !timingSafeEqual(digest(match[1]), expected)) {
        throw new ProblemError('unauthorized', 'Admin routes need Authorization: Bearer <ADMIN_TOKEN>.');
      }
    });
  },
  { name: 'admin-auth', dependencies: ['config'] },
);
