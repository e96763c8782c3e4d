import { type Server, type Socket, createServer, connect } from 'node:net';
import { type RunningApi, startApi, testConfig } from './api.js';

export interface StallableProxy {
  /** host:port clients connect to instead of the real server. */
  port: number;
  /** From now on bytes in either direction are held back, as by a paused server. */
  stall(): void;
  /**
   * From now on only the server's bytes are held back: requests still arrive
   * and run, their answers never come. A commit that happened although its
   * client saw a failure ("outcome unknown").
   */
  stallReplies(): void;
  /** Lets the held bytes through and forwards again. */
  resume(): void;
  /**
   * Local ports of its connections to the server (PostgreSQL's client_port)
   * that passed bytes from their client on since the last resume(): what a
   * stall held, and anything sent after it.
   */
  passedSinceResume(): number[];
  /** Drops every open connection, with the bytes it held back: a reset the client must reconnect after. */
  reset(): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder to a real server that can stall: the connection stays open
 * and nothing comes back, which is what a client sees when the server is
 * paused (SIGSTOP) or the network drops packets. It is the real server behind
 * it, only the path is cut, so one test can stall its own API's PostgreSQL
 * without pausing the server every other test uses.
 */
export async function stallableProxy(targetPort: number): Promise<StallableProxy> {
  let stalled: 'no' | 'both' | 'replies' = 'no';
  const hold = (pair: { client: Socket; server: Socket }): void => {
    if (stalled === 'both') pair.client.pause();
    if (stalled !== 'no') pair.server.pause();
  };
  const pairs = new Set<{ client: Socket; server: Socket }>();
  const passed = new Set<number>();
  const proxy = createServer((client) => {
    const server = connect(targetPort, '127.0.0.1');
    const pair = { client, server };
    pairs.add(pair);
    client.pipe(server);
    server.pipe(client);
    client.on('data', () => {
      if (server.localPort !== undefined) passed.add(server.localPort);
    });
    // After pipe(), which resumes its source. While stalled, paused sockets
    // leave bytes in the kernel buffers: nothing is lost, nothing arrives.
    hold(pair);
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      server.destroy();
    };
    client.on('error', end).on('close', end);
    server.on('error', end).on('close', end);
  });
  const port = await listen(proxy);
  return {
    port,
    stall() {
      stalled = 'both';
      for (const pair of pairs) hold(pair);
    },
    stallReplies() {
      stalled = 'replies';
      for (const pair of pairs) hold(pair);
    },
    resume() {
      stalled = 'no';
      passed.clear();
      for (const { client, server } of pairs) {
        client.resume();
        server.resume();
      }
    },
    passedSinceResume() {
      return [...passed];
    },
    reset() {
      for (const { client, server } of pairs) {
        client.destroy();
        server.destroy();
      }
      pairs.clear();
    },
    async close() {
      for (const { client, server } of pairs) {
        client.destroy();
        server.destroy();
      }
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

/** A server that accepts connections and never answers: a paused dependency, from the client's side. */
export async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined).on('close', () => sockets.delete(socket));
  });
  const port = await listen(server);
  return {
    port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A stallable proxy in front of the test stack's PostgreSQL, and the connection string that goes through it. */
export async function postgresProxy(): Promise<{ proxy: StallableProxy; url: string }> {
  const url = new URL(testConfig().DATABASE_URL);
  const proxy = await stallableProxy(Number(url.port));
  url.port = String(proxy.port);
  return { proxy, url: url.toString() };
}

/** An API that reaches PostgreSQL through a stallable proxy; its close() also resumes and closes the proxy. */
export async function apiBehindPostgresProxy(overrides: Record<string, string> = {}): Promise<{ api: RunningApi; proxy: StallableProxy }> {
  const { proxy, url } = await postgresProxy();
  const inner = await startApi({ ...overrides, DATABASE_URL: url });
  const close = async (): Promise<void> => {
    // Held bytes let through first: nothing of the API's shutdown waits on them.
    proxy.resume();
    await inner.close();
    await proxy.close();
  };
  return { api: { ...inner, close }, proxy };
}
