import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../shared/config.js';

/** Fastify's own options, shared by server.ts and the tests so both run the same server. */
export function serverOptions(config: Config, options: { prettyLogs?: boolean } = {}): FastifyServerOptions {
  return {
    logger: {
      level: config.LOG_LEVEL,
      // Pretty logs only for a person at a terminal; JSON lines everywhere else.
      ...(options.prettyLogs === true ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Behind no proxy by default; request ids come from us, not from clients.
    trustProxy: false,
    return503OnClosing: true,
    ajv: {
      // Unknown body fields are rejected (additionalProperties: false), not silently dropped.
      customOptions: { removeAdditional: false, allErrors: false },
    },
  };
}
