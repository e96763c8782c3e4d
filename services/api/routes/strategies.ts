import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { StrategyInfo } from '../schemas/health.js';
import { problemResponses } from '../schemas/problem.js';

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/v1/strategies', {
    schema: { tags: ['strategies'], summary: 'Every strategy a purchase can ask for', response: { 200: Type.Array(StrategyInfo), ...problemResponses } },
  }, async () => [...fastify.strategies.values()].map(({ name, description, async, safe, decidesIn, needs, keepsStockIn, locksIn, holds, decidesPer, spreadsStock }) => ({ name, description, async, safe, decidesIn, needs, keepsStockIn, locksIn, holds, decidesPer, spreadsStock })));
};

export default routes;
