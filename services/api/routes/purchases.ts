import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problemContentType } from '../problem.js';
import { startLoopLag } from '../loop-lag.js';
import { createOrderLookup } from '../purchases/order-lookup.js';
import { runPurchase } from '../purchases/purchase-flow.js';
import { afterPurchase, beforePurchase } from '../purchases/room-gate.js';
import { problemResponses } from '../schemas/problem.js';
import { purchaseLinks } from '../schemas/order.js';
import { OrderAccepted, purchaseBody, purchaseHeaders, purchaseQuery } from '../schemas/purchase.js';

/**
 * When the request reached the server (epoch ms), as near as this process
 * can tell: Fastify times a reply from routing, before the body is read and
 * validated, and the loop's lateness (loop-lag.ts) stands for the wait in
 * the socket before that. The purchase's deadline counts from there, since
 * the buyer's clock was already running.
 */
const arrivedAt = (elapsedMs: number, lagMs: number): number => Date.now() - elapsedMs - lagMs;

const noRoom = { room: null, early: undefined } as const;

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  const { config, strategies, metrics, rooms, soldOut } = fastify;
  const loop = startLoopLag();
  fastify.addHook('onClose', async () => loop.stop());
  const flowDeps = {
    findOrder: createOrderLookup(fastify.db),
    answersAsync: (name: string) => strategies.get(name)?.async === true,
    inFlight: new Set<string>(),
    waitMs: config.PURCHASE_WAIT_MS,
    soldOut: fastify.soldOut,
  };
  const gateDeps = { rooms, secret: fastify.admissionSecret, findOrder: flowDeps.findOrder, answersAsync: flowDeps.answersAsync, waitingRoom: fastify.waitingRoom, soldOut };

  fastify.post('/v1/purchases', {
    // Off by default; when set, per address then per buyer (rate-limits.ts).
    preHandler: fastify.purchaseLimits,
    schema: {
      tags: ['purchases'],
      summary: 'Buy units of a SKU with the strategy named in X-Strategy or ?strategy=',
      headers: purchaseHeaders([...strategies.keys()]),
      querystring: purchaseQuery([...strategies.keys()]),
      body: purchaseBody(config.MAX_QUANTITY),
      response: { 201: OrderAccepted, 202: OrderAccepted, ...problemResponses },
    },
    // Both answers name the order: 201 confirmed or reserved (a hold to settle), 202 pending.
    links: { 201: purchaseLinks, 202: purchaseLinks },
  }, async (request, reply) => {
    const name = request.headers['x-strategy'] ?? request.query.strategy ?? fastify.defaultStrategy;
    // The schema's enum turned any other name away (400 unknown_strategy), and the
    // strategies plugin checked the default at start: a miss here is a bug.
    const strategy = strategies.get(name);
    if (strategy === undefined) throw new Error(`strategy "${name}" passed validation but is not registered`);
    const stopTimer = metrics.purchaseSeconds.startTimer({ strategy: name });
    let outcome = 'error';
    try {
      const idempotencyKey = request.headers['idempotency-key'];
      const command = { ...request.body, idempotencyKey };
      const arrived = arrivedAt(reply.elapsedTime, loop.lagMs());
      // A SKU known here to have no room (nearly every purchase) passes without an await.
      const { room, early } = rooms.peek(command.sku) === null ? noRoom : await beforePurchase(gateDeps, command, request.headers['admission-token']);
      const mark = soldOut.mark();
      const result = early ?? (await runPurchase(flowDeps, strategy, { ...command, strategy: name }, arrived));
      outcome = result.outcome;
      if (room !== null && early === undefined) await afterPurchase(gateDeps, room, command, result, mark, Date.now() - arrived);
      const { status, headers, body } = result.answer;
      reply.code(status).headers(headers);
      if (status >= 400) reply.type(problemContentType);
      return body;
    } finally {
      metrics.purchases.inc({ strategy: name, outcome });
      stopTimer({ outcome });
    }
  });
};

export default routes;
