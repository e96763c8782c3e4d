import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../../shared/errors.js';
import { createOrderLookup } from '../purchases/order-lookup.js';
import type { LineView } from '../../waiting-room/line.js';
import type { RoomSettings } from '../../waiting-room/room-settings.js';
import { JoinLineBody, LineParams, LineTicket, TicketParams, lineOperations, ticketLinks } from '../schemas/line.js';
import { problemResponses } from '../schemas/problem.js';

const pollUrl = (sku: string, ticket: string): string => `/v1/skus/${sku}/line/${ticket}`;

async function roomOf(fastify: FastifyInstance, sku: string): Promise<RoomSettings> {
  const room = await fastify.rooms.get(sku);
  if (room === undefined) throw new ProblemError('sku_not_found', `No SKU ${sku}.`);
  if (room === null) throw new ProblemError('no_waiting_room', `${sku} sells without a waiting room: POST /v1/purchases directly.`);
  return room;
}

const asTicket = (view: LineView) => {
  const { created: _created, ...shown } = view;
  return { ...shown, poll: pollUrl(view.sku, view.ticket) };
};

/**
 * The waiting room of a SKU that has one (docs/waiting-room.md). Its state is
 * in the main Redis: when Redis cannot answer, joining and polling answer 503
 * and nobody new is admitted (the line fails closed), while tokens already
 * given still buy, since a purchase checks its token with no store.
 */
const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  const findOrder = createOrderLookup(fastify.db);
  // A ticket carries its admission token: no cache may keep it.
  fastify.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });
  fastify.post('/v1/skus/:sku/line', {
    schema: {
      tags: ['waiting room'],
      summary: 'Join the SKU\'s waiting room: a ticket, its place and the URL to poll (one ticket per userId)',
      operationId: lineOperations.join,
      params: LineParams,
      body: JoinLineBody,
      response: { 200: LineTicket, 201: LineTicket, ...problemResponses },
    },
    links: { 200: ticketLinks, 201: ticketLinks },
  }, async (request, reply) => {
    const { sku } = request.params;
    const view = await fastify.waitingRoom.join(sku, await roomOf(fastify, sku), request.body.userId, async (ticket) => (await findOrder(ticket)) !== undefined);
    // 201 for a new ticket; 200 gives a buyer who joined before its own ticket again.
    return reply.code(view.created ? 201 : 200).header('location', pollUrl(sku, view.ticket)).send(asTicket(view));
  });

  fastify.get('/v1/skus/:sku/line/:ticket', {
    schema: {
      tags: ['waiting room'],
      summary: 'A ticket\'s place in line; once admitted, its admission token',
      operationId: lineOperations.poll,
      params: TicketParams,
      response: { 200: LineTicket, ...problemResponses },
    },
    links: { 200: ticketLinks },
  }, async (request) => {
    const { sku, ticket } = request.params;
    const view = await fastify.waitingRoom.poll(sku, await roomOf(fastify, sku), ticket);
    if (view === undefined) throw new ProblemError('ticket_not_found', `No ticket ${ticket} in the line of ${sku} (the line's Redis may have lost it: join again).`);
    return asTicket(view);
  });
};

export default routes;
