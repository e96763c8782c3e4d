import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { ErrorCode } from '../shared/errors.js';
import { type ProblemBody, problemBody, problemContentType } from './problem.js';

/**
 * The problem for an error Node's HTTP parser or its timers raise before
 * Fastify sees a request: oversized headers, a request that never arrived
 * whole (a body shorter than its Content-Length, headers that never ended),
 * and anything that is not HTTP/1.1 (a NUL in a header, Content-Length with
 * Transfer-Encoding, an HTTP/2 preface).
 */
export function clientErrorProblem(nodeCode: string | undefined, limits: { requestTimeoutMs: number }): ProblemBody {
  const problem = (code: ErrorCode, detail: string): ProblemBody => problemBody(code, detail);
  switch (nodeCode) {
    case 'HPE_HEADER_OVERFLOW':
      return problem('header_too_large', 'The request headers are larger than this server reads (16 KiB).');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return problem('request_incomplete', `The request did not arrive whole within ${limits.requestTimeoutMs} ms: a body shorter than its Content-Length, or headers that never ended.`);
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return problem('malformed_request', 'Content-Length and Transfer-Encoding together: the body length is ambiguous.');
    default:
      return problem('malformed_request', `The request is not valid HTTP/1.1${nodeCode === undefined ? '' : ` (${nodeCode})`}; HTTP/2 is not served here.`);
  }
}

/**
 * Fastify's clientErrorHandler: the same problem+json as every other answer,
 * written on the raw socket (no request exists yet), then the connection is
 * closed, since the parser cannot know where the next request would start.
 * Fastify's default answered application/json {"error": ...} with 400 for all.
 */
export function clientErrorHandler(limits: { requestTimeoutMs: number }) {
  return function handle(this: FastifyInstance, error: Error & { code?: string }, socket: Socket): void {
    // The client left: nobody to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) return;
    const body = clientErrorProblem(error.code, limits);
    const text = JSON.stringify(body);
    this.log.debug({ err: error, status: body.status }, 'client error');
    socket.end(
      [`HTTP/1.1 ${body.status} ${STATUS_CODES[body.status] ?? ''}`, `Content-Type: ${problemContentType}`, `Content-Length: ${Buffer.byteLength(text)}`, 'Connection: close', '', text].join('\r\n'),
    );
  };
}
