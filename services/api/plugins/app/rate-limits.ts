import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { ProblemError } from '../../../shared/errors.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The purchase route's limits per address and per buyer, as hooks; empty when both are off. */
    purchaseLimits: preHandlerAsyncHookHandler[];
  }
}

/** The buyer a purchase body names; the body is validated by then (preHandler). */
function buyerOf(request: FastifyRequest): string {
  const body = request.body;
  const userId = typeof body === 'object' && body !== null && 'userId' in body ? body.userId : undefined;
  return `buyer:${typeof userId === 'string' ? userId : ''}`;
}

/**
 * Limits per client (@fastify/rate-limit): purchases per buyer and per
 * address in each RATE_LIMIT_WINDOW_MS, counted in the main Redis so N API
 * processes share one count. A SKU's maxPerUser bounds what one buyer may
 * hold; this bounds how fast a bot may try. Over the limit: 429 rate_limited
 * with Retry-After. With Redis out, the limiter lets purchases through
 * (skipOnError): the strategies and maxPerUser still stop every oversell,
 * and a guard that shut the sale whenever its own store blinked would be a
 * worse failure than a bot getting through for those seconds.
 */
export default fp(
  async (fastify) => {
    const { RATE_LIMIT_PER_BUYER: perBuyer, RATE_LIMIT_PER_ADDRESS: perAddress, RATE_LIMIT_WINDOW_MS: windowMs } = fastify.config;
    await fastify.register(rateLimit, { global: false, redis: fastify.redis, nameSpace: 'fsi:rate-limit:', skipOnError: true });
    // The plugin runs one of its own hooks per request, so both counts are taken
    // through its checker (createRateLimit) in one hook of ours.
    const checks: Array<{ what: string; check: ReturnType<typeof fastify.createRateLimit> }> = [];
    // By address first: a flood from one address is refused before its buyer's count moves.
    if (perAddress > 0) checks.push({ what: 'from this address', check: fastify.createRateLimit({ max: perAddress, timeWindow: windowMs, keyGenerator: (request) => `address:${request.ip}` }) });
    if (perBuyer > 0) checks.push({ what: 'by this buyer', check: fastify.createRateLimit({ max: perBuyer, timeWindow: windowMs, keyGenerator: buyerOf }) });
    const limited: preHandlerAsyncHookHandler = async (request) => {
      for (const { what, check } of checks) {
        const result = await check(request);
        if (!result.isAllowed && result.isExceeded) {
          // ttl: ms until the window that refused this request ends.
          const seconds = Math.max(1, result.ttlInSeconds);
          throw new ProblemError('rate_limited', `More than ${result.max} purchases ${what} in ${windowMs} ms; retry in ${seconds} s.`, { retryAfterSeconds: seconds });
        }
      }
    };
    fastify.decorate('purchaseLimits', checks.length === 0 ? [] : [limited]);
  },
  { name: 'rate-limits', dependencies: ['config', 'infrastructure', 'problems'] },
);
