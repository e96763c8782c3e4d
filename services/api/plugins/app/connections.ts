import fp from 'fastify-plugin';
import { ProblemError } from '../../../shared/errors.js';
import { connectionCap, guardConnections, openFileLimit } from '../../connection-guard.js';
import { retryRequestAfterSeconds } from '../../retry-after.js';

/**
 * The connection cap (connection-guard.ts) on this process's server: past
 * it, idle connections make room, and a connection kept in the health margin
 * may only ask /health/*; anything else is answered 503 and closed.
 */
export default fp(
  async (fastify) => {
    const cap = connectionCap(fastify.config.MAX_CONNECTIONS, openFileLimit());
    const guard = guardConnections(fastify.server, cap, fastify.config.HEALTH_CONNECTION_MARGIN);
    fastify.log.debug({ maxConnections: cap, healthMargin: fastify.config.HEALTH_CONNECTION_MARGIN }, 'connection cap');
    // A callback hook, not an async one: it runs on every request, and an async hook costs a promise each time.
    fastify.addHook('onRequest', (request, reply, done) => {
      if (!guard.marginOnly(request.raw.socket) || request.url.startsWith('/health/')) {
        done();
        return;
      }
      reply.header('connection', 'close');
      done(new ProblemError('too_many_connections', `This process holds its ${cap} connections, all busy; retry on a new connection.`, { retryAfterSeconds: retryRequestAfterSeconds }));
    });
  },
  { name: 'connections', dependencies: ['config', 'problems'] },
);
