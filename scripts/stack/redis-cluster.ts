// A Redis Cluster beside the three standalone servers (which stay the
// Redlock quorum): `stack:up` starts six Debian redis-server nodes with
// cluster-enabled yes (STACK_REDIS_CLUSTER=0: none) and, the first time,
// joins them with `redis-cli --cluster create --cluster-replicas 1`: three
// masters with a replica each. Its seed addresses go to .stack/stack.env as
// REDIS_CLUSTER_URLS; REDIS_MAIN=cluster puts the service's main Redis on it.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { StackError } from './errors.js';
import { isOurs, lastLogLine, spawnDetached, waitFor, whenExited } from './processes.js';
import { findRedisServer } from './prerequisites.js';
import { redisConfig, redisDir, redisNeedles, redisUrl } from './redis.js';
import { saveState, writeIfChanged, type ServiceLine, type StackState } from './state.js';

export const CLUSTER_NAMES = ['redis-c1', 'redis-c2', 'redis-c3', 'redis-c4', 'redis-c5', 'redis-c6'] as const;
/** Each node also listens on its port + 10000 (the cluster bus): 17001-17006 keeps both below 65535 and clear of 26379-26381. */
export const CLUSTER_DEFAULT_PORTS = [17001, 17002, 17003, 17004, 17005, 17006];

export const clusterEnabled = (env: Record<string, string | undefined>): boolean => env.STACK_REDIS_CLUSTER !== '0';

const dirOf = (name: string): string => join(redisDir, name.replace('redis-', ''));
const portOf = (state: StackState, name: string): number => state.ports[name]?.chosen ?? 0;

export const clusterUrls = (state: StackState): string[] => CLUSTER_NAMES.map((name) => redisUrl(portOf(state, name)));

export function isClusterNodeRunning(state: StackState, name: string): boolean {
  const port = state.ports[name]?.chosen;
  return port !== undefined && isOurs(state.pids[name], redisNeedles(port));
}

const clusterSettings = [
  'cluster-enabled yes',
  // The node's view of the cluster (ids, ports, epochs): ports must not move once it is written.
  'cluster-config-file nodes.conf',
  // 8 s before a master is failed over: the fault suite's 5 s pause stays a pause.
  'cluster-node-timeout 8000',
  // A shard down takes only its own slots' SKUs with it, not every SKU.
  'cluster-require-full-coverage no',
];

/** One command to one node, as text (one attempt, fails fast). */
async function nodeCommand(port: number, command: string, ...args: string[]): Promise<string> {
  const client = new Redis(redisUrl(port), { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.call(command, ...args));
  } finally {
    client.disconnect();
  }
}

const clusterCommand = (port: number, sub: 'INFO' | 'NODES'): Promise<string> => nodeCommand(port, 'CLUSTER', sub);

async function clusterInfo(port: number): Promise<Map<string, string>> {
  const text = await clusterCommand(port, 'INFO');
  return new Map(text.split('\r\n').flatMap((line) => (line.includes(':') ? [line.split(':', 2) as [string, string]] : [])));
}

async function startNode(state: StackState, name: string, bin: string): Promise<void> {
  const port = portOf(state, name);
  if (isClusterNodeRunning(state, name)) return;
  const dir = dirOf(name);
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, 'redis.conf');
  writeIfChanged(confPath, redisConfig(dir, port, clusterSettings));
  const stdoutLog = join(dir, 'stdout.log');
  const pid = spawnDetached(bin, [confPath], { logFile: stdoutLog, cwd: dir });
  state.pids[name] = pid;
  saveState(state);
  await waitFor(name, 30_000, () => clusterInfo(port), whenExited(pid, () => `exited: ${lastLogLine(join(dir, 'redis.log'))} / ${lastLogLine(stdoutLog)}`));
}

/** Starts the six nodes, creates the cluster when all are fresh, waits until every node says cluster_state:ok. */
export async function ensureRedisCluster(state: StackState): Promise<ServiceLine[]> {
  const bin = findRedisServer();
  const wasRunning = CLUSTER_NAMES.every((name) => isClusterNodeRunning(state, name));
  if (bin === undefined && !wasRunning) throw new StackError('redis-server not found: install redis-server');
  await Promise.all(CLUSTER_NAMES.map((name) => startNode(state, name, bin ?? 'redis-server')));
  const ports = CLUSTER_NAMES.map((name) => portOf(state, name));
  const infos = await Promise.all(ports.map(clusterInfo));
  const fresh = infos.every((info) => info.get('cluster_known_nodes') === '1' && info.get('cluster_slots_assigned') === '0');
  if (fresh) {
    execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { stdio: 'ignore', timeout: 60_000 });
  } else if (infos.some((info) => info.get('cluster_known_nodes') !== '6')) {
    throw new StackError('the Redis Cluster is half formed (a node knows fewer than 6 nodes): run `npm run stack:reset`');
  }
  // Gossip spreads the new configuration in a few seconds; 60 s bounds a node that never agrees.
  await waitFor('redis-cluster', 60_000, async () => {
    for (const port of ports) {
      const info = await clusterInfo(port);
      if (info.get('cluster_state') !== 'ok' || info.get('cluster_slots_ok') !== '16384') throw new Error(`127.0.0.1:${port}: cluster_state ${info.get('cluster_state') ?? '?'}`);
    }
    // Replicas attach just after the slots are assigned: ready once each master has its own.
    const roles = (await clusterCommand(ports[0] ?? 0, 'NODES')).split('\n').map((line) => line.split(' ')[2] ?? '');
    const replicas = roles.filter((flags) => flags.includes('slave')).length;
    if (replicas !== 3) throw new Error(`${replicas} of 3 replicas attached`);
    // And in sync: a replica still loading its first copy cannot be promoted (it counts
    // as disconnected too long), so a master lost now would take its slots down for good.
    for (const port of ports) {
      const replication = await nodeCommand(port, 'INFO', 'replication');
      if (replication.includes('role:slave') && !replication.includes('master_link_status:up')) throw new Error(`127.0.0.1:${port}: replica not in sync yet`);
    }
  });
  return [{ name: 'redis-cluster', address: `${ports.length} nodes, 3 masters + 3 replicas, ${ports.map((port) => `:${port}`).join(' ')}`, how: fresh ? 'started' : wasRunning ? 'already running' : 'started' }];
}
