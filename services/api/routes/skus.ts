import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Static } from 'typebox';
import { findSku } from '../../../db/queries/skus.js';
import type { Sku } from '../../../db/schema.js';
import { ProblemError } from '../../shared/errors.js';
import { problemResponses } from '../schemas/problem.js';
import { reconciliationSummary } from '../../../db/queries/reconciliations.js';
import { CreateSkuBody, RestockBody, RestockHeaders, RestockView, SkuAudit, SkuParams, SkuReconciliation, SkuView } from '../schemas/sku.js';
import { auditSku, createSku, restock } from '../skus/sku-service.js';
import { roomOf } from '../../waiting-room/room-settings.js';
import { skuLineLinks } from '../schemas/line.js';

const adminSecurity = [{ adminToken: [] }];

function skuView(row: Sku): Static<typeof SkuView> {
  return { sku: row.sku, initialStock: row.initial_stock, available: row.stock, maxPerUser: row.max_per_user, holdSeconds: row.hold_seconds, waitingRoom: roomOf(row) };
}

const routes: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/v1/admin/skus', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags: ['admin'],
      summary: 'Create a SKU with its stock in PostgreSQL and Redis',
      security: adminSecurity,
      body: CreateSkuBody,
      response: { 201: SkuView, ...problemResponses },
    },
    links: { 201: skuLineLinks },
  }, async (request, reply) => {
    const { sku, stock, holdSeconds } = request.body;
    const maxPerUser = request.body.maxPerUser ?? null;
    const room = request.body.waitingRoom;
    const waitingRoom = room === undefined ? undefined : { admitPerSecond: room.admitPerSecond, tokenTtlSeconds: room.tokenTtlSeconds ?? 60, drawSeconds: room.drawSeconds ?? 2 };
    const created = await createSku(fastify.db, fastify.redis, sku, stock, { maxPerUser, holdSeconds, waitingRoom });
    if (created === 'exists') throw new ProblemError('sku_exists', `SKU ${sku} already exists.`);
    fastify.rooms.remember(sku, roomOf(created));
    return reply.code(201).header('location', `/v1/skus/${sku}`).send(skuView(created));
  });

  fastify.post('/v1/admin/skus/:sku/restock', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags: ['admin'],
      summary: 'Add units to a SKU during its sale: PostgreSQL, then the Redis counter; once per Idempotency-Key',
      security: adminSecurity,
      params: SkuParams,
      headers: RestockHeaders,
      body: RestockBody,
      response: { 200: RestockView, ...problemResponses },
    },
  }, async (request) => {
    const { sku } = request.params;
    const done = await restock(fastify.db, fastify.redis, fastify.log, sku, request.body.units, request.headers['idempotency-key']);
    if (done.kind === 'unknown_sku') throw new ProblemError('sku_not_found', `No SKU ${sku}.`);
    if (done.kind === 'key_reused') throw new ProblemError('idempotency_key_reused', `This Idempotency-Key restocked ${done.units} units of ${done.sku}.`);
    // This process forgets the SKU was sold out before answering: a buyer sent here after the answer
    // must find the units, not wait for the news (which other processes hear a moment later).
    fastify.soldOut.stockBack(sku);
    // So does its waiting room: buyers still in line must not be told sold out.
    if (fastify.rooms.peek(sku) !== null) await fastify.waitingRoom.unitsBack(sku).catch((error: unknown) => fastify.log.warn({ err: error, sku }, 'restock: the line\'s sold-out flag was not cleared; it ends with its TTL or the news'));
    return { sku, units: done.units, restockedUnits: done.restockedUnits, available: done.stock, replayed: done.kind === 'replayed' };
  });

  fastify.get('/v1/skus/:sku', {
    schema: { tags: ['skus'], summary: 'Stock of a SKU', params: SkuParams, response: { 200: SkuView, ...problemResponses } },
  }, async (request) => {
    const row = await findSku(fastify.db, request.params.sku);
    if (row === undefined) throw new ProblemError('sku_not_found', `No SKU ${request.params.sku}.`);
    return skuView(row);
  });

  fastify.get('/v1/admin/skus/:sku/audit', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags: ['admin'],
      summary: 'Oversold units and store consistency, computed from the orders table',
      security: adminSecurity,
      params: SkuParams,
      response: { 200: SkuAudit, ...problemResponses },
    },
  }, async (request) => {
    const audit = await auditSku(fastify.db, fastify.redis, [...fastify.strategies.values()], request.params.sku);
    if (audit === undefined) throw new ProblemError('sku_not_found', `No SKU ${request.params.sku}.`);
    return audit;
  });

  fastify.get('/v1/admin/skus/:sku/reconciliation', {
    onRequest: fastify.requireAdmin,
    schema: {
      tags: ['admin'],
      summary: 'What the reconciler found and changed for a SKU (deductions given back, counters rebuilt, orders refused)',
      security: adminSecurity,
      params: SkuParams,
      response: { 200: SkuReconciliation, ...problemResponses },
    },
  }, async (request) => {
    const { sku } = request.params;
    if ((await findSku(fastify.db, sku)) === undefined) throw new ProblemError('sku_not_found', `No SKU ${sku}.`);
    return { sku, ...(await reconciliationSummary(fastify.db, sku, 50)) };
  });
};

export default routes;
