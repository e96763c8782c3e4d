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
 * every buyer until the sockets time out. Here, past `max`:
 * - the oldest idle connection (no request in flight) is closed for the new
 *   one: an idle flood costs its own sockets, not the buyers';
 * - with none idle (every connection busy: real load), the new one is kept
 *   for /health/* only, up to `margin` of them; Node drops the rest.
 */
export function guardConnections(server: Server, max: number, margin: number): ConnectionGuard {
  const idle = new Set<Socket>(); // in connection order: the first is the oldest
  const busy = new Set<Socket>();
  const margins = new WeakSet<Socket>();
  server.maxConnections = max + margin;
  server.on('connection', (socket: Socket) => {
    idle.add(socket);
    socket.once('close', () => {
      idle.delete(socket);
      busy.delete(socket);
    });
    if (idle.size + busy.size <= max) return;
    const oldest = idle.values().next().value;
    if (oldest !== undefined && oldest !== socket) {
      idle.delete(oldest);
      oldest.destroy();
    } else {
      margins.add(socket);
    }
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    idle.delete(socket);
    busy.add(socket);
    response.once('close', () => {
      if (!busy.delete(socket) || socket.destroyed) return;
      // Idle again, as the newest: a keep-alive client that just got its answer is the last to go.
      idle.add(socket);
    });
  });
  return { marginOnly: (socket) => margins.has(socket), open: () => idle.size + busy.size };
}
