import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { findOrder } from '../../../db/queries/orders.js';
import { ProblemError } from '../../shared/errors.js';
import { retryRequestAfterSeconds } from '../retry-after.js';
import { OrderParams, OrderView, SettleHeaders, orderOperations, settleLinks } from '../schemas/order.js';
import { problemResponses } from '../schemas/problem.js';
import type { Order } from '../../../db/schema.js';
import type { PendingPurchase, SettleAction, Strategy } from '../../strategies/strategy.js';
import { classifyDependencyFailure } from '../../shared/dependency-errors.js';

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
  confirm: 'Confirm (pay for) a hold before its expiresAt',
  cancel: 'Cancel a hold: its units go back on sale at once',
};

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  const strategies = [...fastify.strategies.values()];
  // The strategies that accept purchases before PostgreSQL holds their order (202 pending).
  const withPending = strategies.filter((strategy) => strategy.findPendingPurchase !== undefined);

  /** An accepted purchase that no order in PostgreSQL stands for yet, from whichever strategy holds it. */
  async function pendingOrder(orderId: string): Promise<Static<typeof OrderView> | undefined> {
    for (const strategy of withPending) {
      let pending: PendingPurchase | undefined;
      try {
        pending = await strategy.findPendingPurchase?.(orderId);
      } catch (error: unknown) {
        // Not "no such order": it may be pending, and a 404 could make the buyer buy again under a new key.
        const dependency = classifyDependencyFailure(error)?.dependency ?? 'unknown';
        throw new ProblemError('dependency_unavailable', `${dependency}: cannot tell whether this order is pending`, { retryAfterSeconds: retryRequestAfterSeconds, extensions: { dependency } });
      }
      if (pending !== undefined) return { orderId: pending.orderId, status: 'pending', sku: pending.sku, quantity: pending.quantity, strategy: strategy.name };
    }
    return undefined;
  }

  fastify.get('/v1/orders/:orderId', {
    schema: { tags: ['orders'], summary: 'Status of an order', operationId: orderOperations.get, params: OrderParams, response: { 200: OrderView, ...problemResponses } },
    links: { 200: settleLinks },
  }, async (request) => {
    const { orderId } = request.params;
    const id = orderIdOf(orderId);
    // PostgreSQL, then the pending purchases, then PostgreSQL again: the worker may have written
    // the order and dropped its pending record between the first two reads.
    const order = (await findOrder(fastify.db, id)) ?? (await pendingOrder(id)) ?? (await findOrder(fastify.db, id));
    if (order === undefined) throw new ProblemError('order_not_found', `No order ${orderId}.`);
    return 'orderId' in order ? order : orderView(order);
  });

  // Holds are settled by the strategy that takes them; with none registered, these routes are not served.
  const holder: Strategy | undefined = strategies.find((strategy) => strategy.settleHold !== undefined);
  if (holder?.settleHold === undefined) return;
  const settle = holder.settleHold.bind(holder);
  for (const action of ['confirm', 'cancel'] as const) {
    fastify.post(`/v1/orders/:orderId/${action}`, {
      schema: { tags: ['orders'], summary: settleSummaries[action], operationId: orderOperations[action], params: OrderParams, headers: SettleHeaders, response: { 200: OrderView, ...problemResponses } },
    }, async (request, reply) => {
      const settled = await settle(action, orderIdOf(request.params.orderId), request.headers['idempotency-key']);
      if (settled.replayed) reply.header('idempotent-replayed', 'true');
      // Units back on sale: this process forgets the SKU was sold out before answering (others hear the news).
      if (settled.order.status === 'cancelled') fastify.soldOut.stockBack(settled.order.sku);
      return orderView(settled.order);
    });
  }
};

export default routes;
