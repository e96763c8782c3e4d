import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findOrder } from '../../../db/queries/orders.js';
import { ProblemError } from '../../shared/errors.js';
import { OrderParams, OrderView } from '../schemas/order.js';
import { problemResponses } from '../schemas/problem.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/v1/orders/:orderId', {
    schema: { tags: ['orders'], summary: 'Status of an order', params: OrderParams, response: { 200: OrderView, ...problemResponses } },
  }, async (request) => {
    const { orderId } = request.params;
    // Anything that is not a UUID cannot be an order id: unknown, without asking PostgreSQL.
    const order = uuid.test(orderId) ? await findOrder(fastify.db, orderId.toLowerCase()) : undefined;
    if (order === undefined) throw new ProblemError('order_not_found', `No order ${orderId}.`);
    return {
      orderId: order.id,
      status: order.status,
      ...(order.reason === null ? {} : { reason: order.reason }),
      sku: order.sku,
      quantity: order.quantity,
      strategy: order.strategy,
    };
  });
};

export default routes;
