import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { findOrder } from '../../../db/queries/orders.js';
import { ProblemError } from '../../shared/errors.js';
import { retryRequestAfterSeconds } from '../retry-after.js';
import { queuedOrderKey } from '../../shared/redis-keys.js';
import { kafkaQueueFacts } from '../../strategies/kafka-queue.js';
import { parseQueuedPurchase } from '../../shared/messages/queued-purchase.js';
import { OrderParams, OrderView, SettleHeaders, orderOperations, settleLinks } from '../schemas/order.js';
import { problemResponses } from '../schemas/problem.js';
import type { Order } from '../../../db/schema.js';
import { type SettleAction, settleHold } from '../orders/hold-settlement.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function orderView(order: Order): Static<typeof OrderView> {
  return {
    orderId: order.id,
    status: order.status,
    ...(order.reason === null ? {} : { reason: order.reason }),
    sku: order.sku,
    quantity: order.quantity,
    strategy: order.strategy,
    ...(order.expires_at === null ? {} : { expiresAt: order.expires_at.toISOString() }),
  };
}

/** Anything that is not a UUID cannot be an order id: unknown, without asking a store. */
function orderIdOf(raw: string): string {
  if (!uuid.test(raw)) throw new ProblemError('order_not_found', `No order ${raw}.`);
  return raw.toLowerCase();
}

const settleSummaries: Record<SettleAction, string> = {
  confirm: 'Confirm (pay for) a hold of strategy reserve before its expiresAt',
  cancel: 'Cancel a hold of strategy reserve: its units go back on sale at once',
};

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  /** A kafka-queue purchase accepted (202) that the worker has not written as an order yet. */
  async function queuedOrder(orderId: string): Promise<Static<typeof OrderView> | undefined> {
    let recorded: string | null;
    try {
      recorded = await fastify.redis.get(queuedOrderKey(orderId));
    } catch {
      // Not "no such order": it may be queued, and a 404 could make the buyer buy again under a new key.
      throw new ProblemError('dependency_unavailable', 'redis: cannot tell whether this order is queued', { retryAfterSeconds: retryRequestAfterSeconds, extensions: { dependency: 'redis' } });
    }
    const purchase = parseQueuedPurchase(recorded);
    if (purchase === undefined) return undefined;
    return { orderId: purchase.orderId, status: 'pending', sku: purchase.sku, quantity: purchase.quantity, strategy: kafkaQueueFacts.name };
  }

  fastify.get('/v1/orders/:orderId', {
    schema: { tags: ['orders'], summary: 'Status of an order', operationId: orderOperations.get, params: OrderParams, response: { 200: OrderView, ...problemResponses } },
    links: { 200: settleLinks },
  }, async (request) => {
    const { orderId } = request.params;
    const id = orderIdOf(orderId);
    // PostgreSQL, then Redis, then PostgreSQL again: the worker may have written the order and
    // dropped its queued record between the first two reads.
    const order = (await findOrder(fastify.db, id)) ?? (await queuedOrder(id)) ?? (await findOrder(fastify.db, id));
    if (order === undefined) throw new ProblemError('order_not_found', `No order ${orderId}.`);
    return 'orderId' in order ? order : orderView(order);
  });

  for (const action of ['confirm', 'cancel'] as const) {
    fastify.post(`/v1/orders/:orderId/${action}`, {
      schema: { tags: ['orders'], summary: settleSummaries[action], operationId: orderOperations[action], params: OrderParams, headers: SettleHeaders, response: { 200: OrderView, ...problemResponses } },
    }, async (request, reply) => {
      const settled = await settleHold(fastify, action, orderIdOf(request.params.orderId), request.headers['idempotency-key']);
      if (settled.replayed) reply.header('idempotent-replayed', 'true');
      return orderView(settled.order);
    });
  }
};

export default routes;
