import { createServer } from 'node:net';
import { StackError } from './errors.js';
import type { PortChoice } from './state.js';

/** How far upward to look for a free port: 100 busy ports in a row means something else is wrong. */
const SCAN_RANGE = 100;

/** True when nothing listens on 127.0.0.1:port (we can bind it ourselves). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

export function parsePort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const port = Number(raw.trim());
  if (!Number.isInteger(port) || port < 1024 || port > 65535) {
    throw new StackError(`${name} must be a port number between 1024 and 65535, got '${raw}'`);
  }
  return port;
}

export function parsePortList(name: string, raw: string | undefined, fallback: number[]): number[] {
  if (raw === undefined || raw.trim() === '') return fallback;
  const parts = raw.split(',');
  if (parts.length !== fallback.length) {
    throw new StackError(`${name} must list ${fallback.length} comma-separated ports, got '${raw}'`);
  }
  return parts.map((part) => parsePort(name, part, 0));
}

/**
 * The port a service should use: the remembered one if it is still what was
 * asked for and is free, else the first free port from `wanted` upward.
 * `taken` holds ports already given to other services of this run.
 * `sticky`: the service's data records its port (etcd peers, cluster nodes),
 * so a remembered free port is kept even when another one is asked for now:
 * moving it would cut the member off from the rest.
 */
export async function choosePort(
  service: string,
  wanted: number,
  previous: PortChoice | undefined,
  taken: Set<number>,
  sticky = false,
): Promise<PortChoice> {
  if (previous !== undefined && (previous.wanted === wanted || sticky) && !taken.has(previous.chosen)) {
    if (await isPortFree(previous.chosen)) return previous;
  }
  for (let port = wanted; port < wanted + SCAN_RANGE && port <= 65535; port += 1) {
    if (taken.has(port)) continue;
    if (await isPortFree(port)) {
      if (port !== wanted) {
        const why = taken.has(wanted) ? 'went to another service' : 'is busy';
        process.stderr.write(`stack: port ${wanted} ${why}; ${service} uses ${port}\n`);
      }
      return { wanted, chosen: port };
    }
  }
  throw new StackError(`no free port for ${service} in ${wanted}-${wanted + SCAN_RANGE - 1}`);
}
