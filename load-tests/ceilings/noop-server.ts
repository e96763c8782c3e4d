// The HTTP ceiling's server: the API's Fastify options (same logger level,
// timeouts, body limit) and the purchase body's schema, but a handler that
// touches no store. k6 against this route measures what Node, Fastify and k6
// cost on this machine before any strategy does its work. Started with
// ORDER_ROWS=1, the same route with X-Strategy order-row first writes one order
// row (order-rows.ts): the order-row ceiling, the floor of a sale recorded
// before its answer. Without it the server touches no database.
// Usage: node --import tsx load-tests/ceilings/noop-server.ts (PORT=0 picks a free port;
// the bound address is printed as one JSON line on stdout).
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { loadConfig } from '../../services/shared/config.js';
import { serverOptions } from '../../services/api/server-options.js';
import { purchaseBody, purchaseHeaders } from '../../services/api/schemas/purchase.js';
import { strategyFacts } from '../../services/strategies/registry.js';
import { startOrderRows } from './order-rows.js';

// What k6's ceiling script sends in X-Strategy (ROUTE): validated against the same
// enum as a purchase, with these two names more, so the ceiling pays the same check.
const noopStrategy = 'noop';
const orderRowStrategy = 'order-row';

async function main(): Promise<void> {
  const config = loadConfig();
  const server = Fastify(serverOptions(config)).withTypeProvider<TypeBoxTypeProvider>();
  server.removeContentTypeParser('text/plain');
  const orderRows = process.env.ORDER_ROWS === '1' ? await startOrderRows(config) : undefined;
  if (orderRows !== undefined) server.addHook('onClose', async () => orderRows.close());

  server.get('/health/ready', async () => ({ status: 'ready' }));
  // Parsed and validated like a purchase, answered like a confirmed one, with nothing in between;
  // at the purchase's path, so the ceiling's client is the phases' own (k6/http-ceiling.ts).
  server.post(
    '/v1/purchases',
    { schema: { body: purchaseBody(config.MAX_QUANTITY), headers: purchaseHeaders([...strategyFacts.map((facts) => facts.name), noopStrategy, orderRowStrategy]) } },
    async (request, reply) => {
      const { sku, userId, quantity } = request.body;
      if (request.headers['x-strategy'] === orderRowStrategy) {
        if (orderRows === undefined) return reply.code(400).send({ error: 'this no-op server was started without ORDER_ROWS=1' });
        await orderRows.write(userId, request.headers['idempotency-key']);
      }
      return reply.code(201).send({ status: 'confirmed', sku, userId, quantity });
    },
  );

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      server.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  const address = await server.listen({ host: config.HOST, port: config.PORT });
  process.stdout.write(`${JSON.stringify({ listening: address })}\n`);
}

main().catch((error: unknown) => {
  console.error('noop-server: failed to start', error);
  process.exit(1);
});
