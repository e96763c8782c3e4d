import type { Server } from 'node:http';
import { type FastifyHttpOptions, type FastifyReply, type FastifyRequest, LogController } from 'fastify';
import type { Config } from '../shared/config.js';
import { clientErrorHandler } from './client-errors.js';
import { problemBody, problemContentType } from './problem.js';

// Longer than any identifier in a path (SKU codes and order ids are at most 64), so a longer one is invalid anyway.
const maxParamLength = 100;

/**
 * Errors Fastify's router raises before any route or error handler runs (a
 * malformed URL, a path parameter past maxParamLength): problem+json like
 * every other answer, and 400, since the request is invalid. Fastify's own
 * answer was a 414 in its own JSON shape.
 */
function frameworkError(error: Error & { code?: string }, _request: FastifyRequest, reply: FastifyReply): void {
  const body =
    error.code === 'FST_ERR_BAD_URL'
      ? problemBody('validation_failed', 'The URL is malformed (bad percent-encoding).')
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? problemBody('validation_failed', `A path parameter is longer than ${maxParamLength} characters.`)
        : problemBody('internal_error', 'Something went wrong on our side; it has been logged.');
  void reply.code(body.status).type(problemContentType).send(body);
}

/**
 * Fastify logs two lines per request at info; under load that is a share of
 * the API's CPU spent on lines nobody reads mid-sale (docs/api.md, "The request
 * path", has the measurement). Here each request is one line at debug, and
 * errors keep Fastify's own error lines.
 */
class RequestLogsAtDebug extends LogController {
  override incomingRequest(): void {
    // The completion line below says everything this one would.
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    // No error comes as undefined or null, depending on the path.
    if (error instanceof Error) super.requestCompleted(error, request, reply);
    else reply.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, ms: reply.elapsedTime }, 'request completed');
  }
}

/** Fastify's own options, shared by server.ts and the tests so both run the same server. */
export function serverOptions(config: Config, options: { prettyLogs?: boolean } = {}): FastifyHttpOptions<Server> {
  return {
    logger: {
      level: config.LOG_LEVEL,
      // Pretty logs only for a person at a terminal; JSON lines everywhere else.
      ...(options.prettyLogs === true ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
    },
    logController: new RequestLogsAtDebug(),
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: {
      // Node enforces both timeouts by sweeping connections this often (30 s by
      // default): a request that stalls is answered within its timeout plus 1 s,
      // not up to 30 s later. The sweep walks the open connections: cheap.
      connectionsCheckingInterval: 1000,
      // Node refuses a headers timeout above the request timeout, and with the
      // default (60 s) above it the request timeout was never enforced.
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      requestTimeout: config.REQUEST_TIMEOUT_MS,
    },
    clientErrorHandler: clientErrorHandler({ requestTimeoutMs: config.REQUEST_TIMEOUT_MS }),
    connectionTimeout: config.CONNECTION_TIMEOUT_MS,
    keepAliveTimeout: config.KEEP_ALIVE_TIMEOUT_MS,
    // Behind no proxy by default; request ids come from us, not from clients.
    trustProxy: false,
    return503OnClosing: true,
    routerOptions: { maxParamLength },
    frameworkErrors: frameworkError,
    ajv: {
      // Unknown body fields are rejected (additionalProperties: false), not
      // silently dropped. No type coercion: Fastify's default turned a body's
      // "quantity": "1" into 1 and sold; a client sending the wrong type gets
      // 400 naming the field. Every query, path and header field is a string,
      // so nothing needs coercing there either.
      customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false },
    },
  };
}
