import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

// The process's own files: the PostgreSQL pool, Redis and Kafka connections,
// log files, the modules it reads. 1,000 is twenty times what it holds.
const ownFds = 1000;

/** This process's soft open-file limit (Linux: /proc/self/limits), or undefined where it cannot be read. */
export function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** MAX_CONNECTIONS, or (0) the open-file limit less what the process needs; 10,000 where the limit cannot be read. */
export function connectionCap(configured: number, limit: number | undefined): number {
  if (configured > 0) return configured;
  return limit === undefined ? 10_000 : Math.max(100, limit - ownFds);
}

export interface ConnectionGuard {
  /** True for a connection accepted past the cap: it may ask /health/* only. */
  marginOnly(socket: Socket): boolean;
  /** Open connections now. */
  open(): number;
}

/**
 * Keeps a process reachable when clients open more connections than it can
 * hold. Node's own maxConnections drops every connection past the cap, the
 * health checks' included; alone, a flood of idle sockets then locks out
 * every buyer until the sockets time out. Here, past `max`, a connection is
 * closed for the new one:
 * - first the oldest that has never sent a request (what an idle flood is
 *   made of: a buyer sends its request as soon as it connects);
 * - then the oldest idle keep-alive connection. Closing one of those can
 *   race a request its client is just sending (the client sees a reset), so
 *   they go last: in a fault run that closed them in plain age order, 1 to 7
 *   of ~380 buyer attempts were reset during a flood.
 * With none idle (every connection busy: real load), the new one is kept for
 * /health/* only, up to `margin` of them; Node drops the rest.
 */
export function guardConnections(server: Server, max: number, margin: number): ConnectionGuard {
  // Each in connection (or last-answer) order: the first is the oldest.
  const fresh = new Set<Socket>();
  const idle = new Set<Socket>();
  const busy = new Set<Socket>();
  const margins = new WeakSet<Socket>();
  const open = (): number => fresh.size + idle.size + busy.size;
  server.maxConnections = max + margin;
  server.on('connection', (socket: Socket) => {
    fresh.add(socket);
    socket.once('close', () => {
      fresh.delete(socket);
      idle.delete(socket);
      busy.delete(socket);
    });
    if (open() <= max) return;
    const victim = [fresh, idle].map((set) => set.values().next().value).find((candidate) => candidate !== undefined && candidate !== socket);
    if (victim !== undefined) {
      fresh.delete(victim);
      idle.delete(victim);
      victim.destroy();
    } else {
      margins.add(socket);
    }
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    fresh.delete(socket);
    idle.delete(socket);
    busy.add(socket);
    response.once('close', () => {
      if (!busy.delete(socket) || socket.destroyed) return;
      // Idle again, as the newest: a keep-alive client that just got its answer is the last to go.
      idle.add(socket);
    });
  });
  return { marginOnly: (socket) => margins.has(socket), open };
}
