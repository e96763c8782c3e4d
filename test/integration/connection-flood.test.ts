import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionCap } from '../../services/api/connection-guard.js';
import { type RunningApi, countBy, createSku, get, purchase, startApi, uniqueSku } from '../helpers/api.js';

// More idle connections than the cap, held open: buyers and health checks
// still get answers, and the sockets go once the flood ends. A cap of 60 so
// the flood is small; the mechanism is the same at 19,000.
const cap = 60;
let api: RunningApi;
let port: number;
beforeAll(async () => {
  api = await startApi({ MAX_CONNECTIONS: String(cap), HEALTH_CONNECTION_MARGIN: '4' });
  port = Number(new URL(api.url).port);
});
afterAll(async () => {
  await api.close();
});

/** `count` connections that send nothing, resolved once each is accepted. */
async function idleFlood(count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const socket = connect(port, '127.0.0.1', () => resolve(socket));
          socket.on('error', () => undefined);
          socket.once('error', reject);
        }),
    ),
  );
}

async function openConnections(): Promise<number> {
  return new Promise((resolve, reject) => api.app.server.getConnections((error, count) => (error === null ? resolve(count) : reject(error))));
}

describe('a flood of idle connections', () => {
  it('does not lock buyers or health checks out, and its sockets go once it ends', async () => {
    const sku = uniqueSku('flood');
    await createSku(api, sku, 30);
    const flood = await idleFlood(cap * 2);
    try {
      // Past the cap, each new connection closed the oldest idle one: the server holds the cap, not the flood.
      expect(await openConnections()).toBeLessThanOrEqual(cap);
      const [live, ...answers] = await Promise.all([get(api, '/health/live'), ...Array.from({ length: 20 }, () => purchase(api, { sku, strategy: 'pg-atomic' }))]);
      expect(live.status).toBe(200);
      expect(countBy(answers)).toEqual({ 201: 20 });
      // The flood's oldest sockets were the ones closed.
      expect(flood.filter((socket) => socket.destroyed || socket.readyState !== 'open').length).toBeGreaterThan(0);
    } finally {
      for (const socket of flood) socket.destroy();
    }
    // What stays is this test's own keep-alive pool (at most one connection per request above).
    const ownPool = 21;
    const deadline = Date.now() + 10_000;
    while ((await openConnections()) > ownPool && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await openConnections()).toBeLessThanOrEqual(ownPool);
  });

  it('derives the cap from the open-file limit, keeping room for the process\'s own files', () => {
    expect(connectionCap(0, 20_000)).toBe(19_000);
    expect(connectionCap(500, 20_000)).toBe(500);
    expect(connectionCap(0, undefined)).toBe(10_000);
  });
});
