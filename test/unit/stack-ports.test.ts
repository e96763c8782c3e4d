import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { choosePort } from '../../scripts/stack/ports.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A port the kernel gives, held by a listener of ours. */
async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('choosePort', () => {
  it('moves a remembered port when another is asked for, unless the service is sticky', async () => {
    const remembered = await busyPort();
    await new Promise((resolve) => servers.pop()?.close(resolve)); // free again
    const previous = { wanted: 17001, chosen: remembered };
    expect(await choosePort('redis-c1', 27001, previous, new Set(), true)).toBe(previous);
    const moved = await choosePort('postgres', 27001, previous, new Set());
    expect(moved.wanted).toBe(27001);
    expect(moved.chosen).not.toBe(remembered);
  });

  it('passes over a busy port and one already given out', async () => {
    const busy = await busyPort();
    const choice = await choosePort('toxiproxy', busy, undefined, new Set([busy + 1]));
    expect(choice.chosen).toBeGreaterThan(busy + 1);
  });
});
