import fp from 'fastify-plugin';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError, type ErrorCode } from '../../../shared/errors.js';
import { classifyDependencyFailure } from '../../../shared/dependency-errors.js';
import { dependencyProblem, problemBody, problemContentType } from '../../problem.js';
import { retryRequestAfterSeconds } from '../../retry-after.js';
import { createRouteMethods, type RouteMethods } from '../../route-methods.js';

// Fastify's own client-error codes, mapped to ours so they too are problem+json.
const fastifyCodes: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'validation_failed',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'validation_failed',
  FST_ERR_CTP_INVALID_JSON_BODY: 'validation_failed',
};

function send(reply: FastifyReply, code: ErrorCode, detail: string, extensions: Record<string, unknown> = {}): FastifyReply {
  const body = problemBody(code, detail, extensions);
  return reply.code(body.status).type(problemContentType).send(body);
}

// Where a purchase names its strategy: ?strategy= and the X-Strategy header.
const strategyFields = new Set(['/strategy', '/x-strategy']);

/** No route for this method and path: 405 with Allow when the path takes other methods, else 404. */
function notFoundIn(routeMethods: RouteMethods) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = routeMethods.allowed(path);
    if (allowed.length === 0) return send(reply, 'route_not_found', `No route ${request.method} ${path}.`);
    reply.header('allow', allowed.join(', '));
    return send(reply, 'method_not_allowed', `${path} takes ${allowed.join(', ')}, not ${request.method}.`, { allowed });
  };
}

/**
 * Every error leaves as application/problem+json with a code from the one
 * list. Client mistakes are 4xx; a down dependency is 503; anything else is
 * a 500 whose details stay in the log, never in the answer.
 */
export default fp(
  async (fastify) => {
    // The paths and methods of this instance's routes, as they are registered (after this plugin).
    const routeMethods = createRouteMethods();
    fastify.addHook('onRoute', (route) => routeMethods.add(route.url, route.method));
    const notFound = notFoundIn(routeMethods);
    fastify.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ProblemError) {
        if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
        return send(reply, error.code, error.message, error.extensions);
      }
      // A request to no route fails before the not-found handler when its
      // method carries a body (QUERY without a Content-Type): still 404 or 405.
      if (request.is404) return notFound(request, reply);
      if (error.validation !== undefined) {
        // The strategy names are an enum in the schema; asking for another keeps its own code.
        const strategyIssue = error.validation.find((issue) => issue.keyword === 'enum' && strategyFields.has(issue.instancePath));
        if (strategyIssue !== undefined) {
          const known = strategyIssue.params.allowedValues as unknown;
          return send(reply, 'unknown_strategy', `No such strategy. Known: ${Array.isArray(known) ? known.join(', ') : ''}.`, { known });
        }
        const errors = error.validation.map((issue) => ({
          in: error.validationContext ?? 'request',
          path: issue.instancePath === '' ? '/' : issue.instancePath,
          message: issue.message ?? 'invalid',
        }));
        return send(reply, 'validation_failed', error.message, { errors });
      }
      const mapped = error.code === undefined ? undefined : fastifyCodes[error.code];
      if (mapped !== undefined) return send(reply, mapped, error.message);
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return send(reply, 'validation_failed', error.message);
      }
      const failure = classifyDependencyFailure(error);
      if (failure !== undefined) {
        request.log.warn({ err: error }, 'dependency failure');
        reply.header('retry-after', String(retryRequestAfterSeconds));
        const problem = dependencyProblem(failure);
        return send(reply, problem.code, problem.detail, problem.extensions);
      }
      request.log.error({ err: error }, 'unexpected error');
      return send(reply, 'internal_error', 'Something went wrong on our side; it has been logged.');
    });

    fastify.setNotFoundHandler(notFound);
  },
  { name: 'problems' },
);
