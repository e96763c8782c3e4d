import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningApi, get, startApi } from '../helpers/api.js';

// Admin routes check the token before anything else: no body is read and
// nothing is validated for a caller without it, so a wrong guess learns
// nothing (before, a bad body without a token answered 400 with field errors).
let api: RunningApi;
beforeAll(async () => {
  api = await startApi();
});
afterAll(async () => {
  await api.close();
});

interface AdminRoute {
  method: string;
  path: string;
}

/** Every admin route the API documents, its path parameters filled with values that fail validation. */
async function adminRoutes(): Promise<AdminRoute[]> {
  const paths = (await get(api, '/docs/json')).body.paths as Record<string, Record<string, unknown>>;
  return Object.entries(paths)
    .filter(([path]) => path.startsWith('/v1/admin/'))
    .flatMap(([path, operations]) => Object.keys(operations).map((method) => ({ method: method.toUpperCase(), path: path.replace(/\{[^}]+\}/g, '%7Bbad%7D') })));
}

describe('admin routes authenticate first', () => {
  const credentials: Array<[string, Record<string, string>]> = [
    ['no token', {}],
    ['a wrong token', { authorization: 'Bearer not-the-token-at-all' }],
    ['another scheme', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
  ];

  it.each(credentials)('with %s, every admin route answers 401 problem+json, whatever the body or parameters', async (_, headers) => {
    const routes = await adminRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(3);
    for (const route of routes) {
      const bodies = route.method === 'GET' ? [undefined] : ['{"sku": 5, "stock": -1}', 'not json at all', '{}'];
      for (const body of bodies) {
        const response = await fetch(`${api.url}${route.path}`, {
          method: route.method,
          headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          ...(body === undefined ? {} : { body }),
        });
        const text = await response.text();
        expect(response.status, `${route.method} ${route.path} ${body ?? ''}: ${text}`).toBe(401);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(JSON.parse(text)).toMatchObject({ code: 'unauthorized', status: 401 });
      }
    }
  });
});
