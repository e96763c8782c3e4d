import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../services/shared/errors.js';
import { type Answer, type RunningApi, adminToken, audit, createSku, get, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';

let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body).toMatchObject({ status, code, type: `urn:flash-sale-inventory:problem:${code}` });
  expect(typeof answer.body.title).toBe('string');
  expect(typeof answer.body.detail).toBe('string');
  expect(errorCodes).toContain(answer.body.code);
  expect(JSON.stringify(answer.body)).not.toMatch(/at .+\.ts:\d+|SELECT|INSERT|UPDATE/);
}

async function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('health, strategies, docs, metrics', () => {
  it('is live and ready on the real stack', async () => {
    expect((await get(api, '/health/live')).body).toEqual({ status: 'ok' });
    const ready = await get(api, '/health/ready');
    expect(ready.status).toBe(200);
    // With the main Redis on the cluster (npm run test:cluster), its masters are one more check.
    const cluster = testConfig().REDIS_MAIN === 'cluster' ? { 'redis-cluster': 'up' } : {};
    expect(ready.body).toEqual({ status: 'ready', checks: { postgres: 'up', 'redis-1': 'up', 'redis-2': 'up', 'redis-3': 'up', ...cluster, kafka: 'up', etcd: 'up' } });
  });

  it('lists the strategies', async () => {
    const answer = await get(api, '/v1/strategies');
    const names = (answer.body as unknown as { name: string; async: boolean; description: string }[]).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['naive', 'pg-atomic', 'redis-lua']));
  });

  it('serves an OpenAPI 3 document generated from the routes', async () => {
    const spec = await get(api, '/docs/json');
    expect(String(spec.body.openapi)).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths as object)).toEqual(expect.arrayContaining(['/v1/purchases', '/v1/admin/skus', '/v1/orders/{orderId}']));
    // Error answers are declared as they are sent: application/problem+json, on every operation.
    const paths = spec.body.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    for (const [path, operations] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          if (!/^[45]/.test(status)) continue;
          expect(Object.keys(response.content ?? {}), `${method} ${path} ${status}`).toEqual(['application/problem+json']);
        }
      }
    }
  });

  it('links a purchase and its order to confirm and cancel, so a stateful contract run reaches them with a real order id', async () => {
    type Operation = { operationId?: string; responses: Record<string, { links?: Record<string, { operationId: string; parameters: Record<string, string> }> }> };
    const paths = (await get(api, '/docs/json')).body.paths as Record<string, Record<string, Operation>>;
    const operationIds = new Map(Object.entries(paths).flatMap(([path, operations]) => Object.entries(operations).map(([method, operation]) => [operation.operationId, `${method} ${path}`] as const)));
    const settles = ['post /v1/orders/{orderId}/confirm', 'post /v1/orders/{orderId}/cancel'];
    const answers: Array<[string, string, string]> = [
      ['/v1/purchases', 'post', '201'],
      ['/v1/purchases', 'post', '202'],
      ['/v1/orders/{orderId}', 'get', '200'],
    ];
    for (const [path, method, status] of answers) {
      const links = Object.values(paths[path]?.[method]?.responses[status]?.links ?? {});
      const targets = links.map((link) => operationIds.get(link.operationId));
      expect(targets, `${method} ${path} ${status}`).toEqual(expect.arrayContaining(settles));
      for (const link of links) expect(link.parameters, `${method} ${path} ${status} → ${link.operationId}`).toEqual({ orderId: '$response.body#/orderId' });
    }
  });

  it('counts purchases per strategy and outcome in Prometheus format', async () => {
    const sku = uniqueSku('metrics');
    await createSku(api, sku, 1);
    await purchase(api, { sku, strategy: 'pg-atomic' });
    const response = await fetch(`${api.url}/metrics`);
    const text = await response.text();
    expect(text).toMatch(/purchase_requests_total\{strategy="pg-atomic",outcome="confirmed"\} \d+/);
    expect(text).toMatch(/purchase_duration_seconds_bucket\{le="[^"]+",strategy="pg-atomic",outcome="confirmed"\}/);
  });
});

describe('methods', () => {
  it('answers 404 or 405 also when the method carries a body and no Content-Type (QUERY)', async () => {
    // Before: 400 validation_failed ("must provide a Content-Type header"), from the body parser of the not-found route.
    const known = await fetch(`${api.url}/v1/strategies`, { method: 'QUERY' });
    expect(known.status).toBe(405);
    expect(known.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${api.url}/nowhere`, { method: 'QUERY' })).status).toBe(404);
  });

  it('answers 400 problem+json for a path parameter past the router limit, not Fastify\'s own 414', async () => {
    const answer = await get(api, `/v1/orders/${'x'.repeat(150)}`);
    expectProblem(answer, 400, 'validation_failed');
  });

  it('answers 405 with Allow for a known path asked with a method it does not take', async () => {
    for (const [method, path, allow] of [
      ['DELETE', '/v1/strategies', 'GET, HEAD'],
      ['PUT', '/v1/purchases', 'POST'],
      ['POST', `/v1/orders/${randomUUID()}`, 'GET, HEAD'],
      ['PATCH', '/v1/skus/some-sku', 'GET, HEAD'],
    ] as const) {
      const response = await fetch(`${api.url}${path}`, { method });
      const text = await response.text();
      expectProblem({ status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> }, 405, 'method_not_allowed');
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
    }
  });
});

describe('SKUs and admin auth', () => {
  it('creates a SKU once, then 409', async () => {
    const sku = uniqueSku('create');
    const created = await createSku(api, sku, 7);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ sku, initialStock: 7, available: 7, maxPerUser: null, holdSeconds: 600, waitingRoom: null });
    expectProblem(await createSku(api, sku, 7), 409, 'sku_exists');
    expect((await get(api, `/v1/skus/${sku}`)).body).toEqual({ sku, initialStock: 7, available: 7, maxPerUser: null, holdSeconds: 600, waitingRoom: null });
    expect((await audit(api, sku)).body).toMatchObject({ pgStock: 7, redisStock: 7, consistent: true, confirmedUnits: 0 });
  });

  it('rejects bad SKU values with 400', async () => {
    expectProblem(await createSku(api, uniqueSku('neg'), -1), 400, 'validation_failed');
    expectProblem(await createSku(api, 'has space', 1), 400, 'validation_failed');
    expectProblem(await post('/v1/admin/skus', '{"sku":"x","stock":1.5}', { authorization: `Bearer ${adminToken}` }), 400, 'validation_failed');
    expectProblem(await createSku(api, uniqueSku('limit-0'), 1, adminToken, { maxPerUser: 0 }), 400, 'validation_failed');
  });

  it('needs the admin token', async () => {
    expectProblem(await createSku(api, uniqueSku('auth'), 1, 'wrong-token-wrong-token'), 401, 'unauthorized');
    expectProblem(await post('/v1/admin/skus', '{"sku":"x","stock":1}'), 401, 'unauthorized');
    expectProblem(await get(api, '/v1/admin/skus/whatever/audit'), 401, 'unauthorized');
  });

  it('answers 404 for unknown SKUs, orders and routes', async () => {
    expectProblem(await get(api, '/v1/skus/no-such-sku'), 404, 'sku_not_found');
    expectProblem(await get(api, `/v1/orders/${randomUUID()}`), 404, 'order_not_found');
    expectProblem(await get(api, '/v1/orders/not-a-uuid'), 404, 'order_not_found');
    expectProblem(await get(api, '/nowhere'), 404, 'route_not_found');
    expectProblem(await get(api, '/v1/skus/a/b/c/d'), 404, 'route_not_found');
    expectProblem(await purchase(api, { sku: 'no-such-sku', strategy: 'pg-atomic' }), 404, 'sku_not_found');
    expectProblem(await purchase(api, { sku: 'no-such-sku', strategy: 'redis-lua' }), 404, 'sku_not_found');
  });
});

describe('purchase validation', () => {
  const valid = () => JSON.stringify({ sku: 'any', userId: 'u', quantity: 1 });

  it('requires an Idempotency-Key of 1-255 visible characters', async () => {
    expectProblem(await post('/v1/purchases', valid()), 400, 'validation_failed');
    expectProblem(await post('/v1/purchases', valid(), { 'idempotency-key': 'x'.repeat(256) }), 400, 'validation_failed');
    expectProblem(await post('/v1/purchases', valid(), { 'idempotency-key': 'has space' }), 400, 'validation_failed');
  });

  it('rejects bad bodies', async () => {
    const key = { 'idempotency-key': randomUUID() };
    for (const body of [
      '{"sku":"a","userId":"u","quantity":0}',
      '{"sku":"a","userId":"u","quantity":11}',
      '{"sku":"a","userId":"u","quantity":1.5}',
      '{"sku":"a","userId":"u"}',
      '{"sku":"a","userId":"u","quantity":1,"price":0}',
      '{"sku":"a","userId":"","quantity":1}',
      'not json',
    ]) {
      expectProblem(await post('/v1/purchases', body, key), 400, 'validation_failed');
    }
    const text = await fetch(`${api.url}/v1/purchases`, { method: 'POST', headers: { 'content-type': 'text/plain', ...key }, body: 'x' });
    expect(text.status).toBe(415);
    expectProblem(await post('/v1/purchases', JSON.stringify({ sku: 'a', userId: 'x'.repeat(20000), quantity: 1 }), key), 413, 'payload_too_large');
  });

  it('takes no type it did not ask for: a string, float, negative, huge or missing value is a 400 naming the field', async () => {
    const key = { 'idempotency-key': randomUUID() };
    const sku = uniqueSku('types');
    await createSku(api, sku, 5);
    const cases: Array<[string, string]> = [
      [JSON.stringify({ sku, userId: 'u', quantity: '1' }), 'quantity'],
      [JSON.stringify({ sku, userId: 'u', quantity: 1.5 }), 'quantity'],
      [JSON.stringify({ sku, userId: 'u', quantity: -1 }), 'quantity'],
      [JSON.stringify({ sku, userId: 'u', quantity: 1e20 }), 'quantity'],
      [JSON.stringify({ sku, userId: 'u', quantity: true }), 'quantity'],
      [JSON.stringify({ sku, userId: 7, quantity: 1 }), 'userId'],
      [JSON.stringify({ sku: 42, userId: 'u', quantity: 1 }), 'sku'],
      [JSON.stringify({ sku: [sku], userId: 'u', quantity: 1 }), 'sku'],
      [JSON.stringify({ sku, quantity: 1 }), 'userId'],
    ];
    for (const [body, field] of cases) {
      const answer = await post('/v1/purchases', body, key);
      expectProblem(answer, 400, 'validation_failed');
      expect(JSON.stringify(answer.body.errors), body).toContain(field);
    }
    // Before the fix, {"quantity": "1"} was coerced to 1 and sold.
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 0 });
    const stockAsString = await post('/v1/admin/skus', JSON.stringify({ sku: uniqueSku('types'), stock: '5' }), { authorization: `Bearer ${adminToken}` });
    expectProblem(stockAsString, 400, 'validation_failed');
    expect(JSON.stringify(stockAsString.body.errors)).toContain('stock');
  });

  it('rejects an unknown strategy, by header or query', async () => {
    const sku = uniqueSku('unknown');
    await createSku(api, sku, 1);
    expectProblem(await purchase(api, { sku, strategy: 'magic' }), 400, 'unknown_strategy');
    expectProblem(await purchase(api, { sku, strategy: 'magic', via: 'query' }), 400, 'unknown_strategy');
    // The names are an enum in the OpenAPI document: a client can see what it may ask for.
    const served = (await get(api, '/v1/strategies')).body as unknown as Array<{ name: string }>;
    const spec = (await get(api, '/docs/json')).body as { paths: Record<string, { post?: { parameters?: Array<{ name: string; schema: { enum?: string[] } }> } }> };
    const parameters = spec.paths['/v1/purchases']?.post?.parameters ?? [];
    for (const name of ['strategy', 'x-strategy']) {
      expect(parameters.find((p) => p.name === name)?.schema.enum, name).toEqual(served.map((s) => s.name));
    }
  });

  it('takes the strategy from the query and answers with the order', async () => {
    const sku = uniqueSku('query');
    await createSku(api, sku, 1);
    const answer = await purchase(api, { sku, userId: 'erin', quantity: 1, strategy: 'redis-lua', via: 'query' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ status: 'confirmed', sku, userId: 'erin', quantity: 1, strategy: 'redis-lua' });
    const order = await get(api, `/v1/orders/${String(answer.body.orderId)}`);
    expect(order.body).toEqual({ orderId: answer.body.orderId, status: 'confirmed', sku, quantity: 1, strategy: 'redis-lua' });
  });

  it('uses the default strategy when none is given', async () => {
    const sku = uniqueSku('default');
    await createSku(api, sku, 1);
    const answer = await purchase(api, { sku });
    expect(answer.status).toBe(201);
    expect(answer.body.strategy).toBe('pg-atomic');
  });
});
