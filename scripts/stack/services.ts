import { CLUSTER_DEFAULT_PORTS, CLUSTER_NAMES, clusterEnabled, isClusterNodeRunning } from './redis-cluster.js';
import { StackError } from './errors.js';
import { kafkaDescribe } from './kafka-health.js';
import { isKafkaRunning } from './kafka.js';
import { isToxiproxyRunning } from './toxiproxy.js';
import { choosePort, parsePort, parsePortList } from './ports.js';
import { checkPostgres, runningPostgresPid } from './postgres.js';
import { REDIS_NAMES, isRedisRunning, pingRedis } from './redis.js';
import { ETCD_NAMES, etcdHealthy, etcdPeerName, isEtcdRunning } from './etcd.js';
import { maskUrl, type ServiceLine, type StackState } from './state.js';
import { waitFor } from './processes.js';

export type Env = Record<string, string | undefined>;

/** Servers the user brought (process env or .env): the stack starts none of these. */
export interface Externals {
  postgres?: string;
  redis?: string[];
  kafka?: string[];
  etcd?: string[];
}

const list = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

export function externals(env: Env): Externals {
  const out: Externals = {};
  if (env.DATABASE_URL !== undefined && env.DATABASE_URL.trim() !== '') out.postgres = env.DATABASE_URL.trim();
  if (env.REDIS_URLS !== undefined && list(env.REDIS_URLS).length > 0) out.redis = list(env.REDIS_URLS);
  if (env.KAFKA_BROKERS !== undefined && list(env.KAFKA_BROKERS).length > 0) out.kafka = list(env.KAFKA_BROKERS);
  if (env.ETCD_ENDPOINTS !== undefined && list(env.ETCD_ENDPOINTS).length > 0) out.etcd = list(env.ETCD_ENDPOINTS);
  return out;
}

/** 10 s: an external server that answers at all does so in well under a second. */
const EXTERNAL_TIMEOUT_MS = 10_000;

export async function checkExternalPostgres(url: string): Promise<ServiceLine[]> {
  await checkPostgres(url, EXTERNAL_TIMEOUT_MS).catch((error: unknown) => {
    throw new StackError(`external ${error instanceof Error ? error.message : String(error)}`);
  });
  return [{ name: 'postgres', address: maskUrl(url), how: 'external' }];
}

export async function checkExternalRedis(urls: string[]): Promise<ServiceLine[]> {
  return Promise.all(
    urls.map(async (url, index) => {
      await waitFor(`external redis ${maskUrl(url)}`, EXTERNAL_TIMEOUT_MS, () => pingRedis(url));
      return { name: `redis-${index + 1}`, address: maskUrl(url), how: 'external' as const };
    }),
  );
}

export async function checkExternalKafka(brokers: string[]): Promise<ServiceLine[]> {
  await kafkaDescribe(brokers, EXTERNAL_TIMEOUT_MS);
  return [{ name: 'kafka', address: brokers.join(','), how: 'external' }];
}

export async function checkExternalEtcd(endpoints: string[]): Promise<ServiceLine[]> {
  return Promise.all(
    endpoints.map(async (url, index) => {
      await waitFor(`external etcd ${url}`, EXTERNAL_TIMEOUT_MS, () => etcdHealthy(url));
      return { name: `etcd-${index + 1}`, address: url, how: 'external' as const };
    }),
  );
}

/** etcd members and cluster nodes write their ports into their data (member list, nodes.conf). */
const keepsItsPort = (name: string): boolean =>
  (CLUSTER_NAMES as readonly string[]).includes(name) || ETCD_NAMES.some((member) => name === member || name === etcdPeerName(member));

/**
 * Picks ports for the managed services that are not running. Running ones keep
 * theirs; the others reuse the remembered port when free, else the next free one.
 */

export async function assignPorts(state: StackState, env: Env, ext: Externals): Promise<void> {
  // Every default lies below 32768, outside Linux's ephemeral range (32768-60999): a port
  // in it can be held at any moment by an outgoing connection's local end (the cluster
  // bus, a replica's link, a Go build through a local proxy), and a server that has to
  // start again on it (toxiproxy in CI, a Redis restarted by a fault) then cannot bind.
  const wanted: Array<[string, number]> = [];
  if (ext.postgres === undefined) wanted.push(['postgres', parsePort('STACK_PG_PORT', env.STACK_PG_PORT, 25432)]);
  if (ext.redis === undefined) {
    const ports = parsePortList('STACK_REDIS_PORTS', env.STACK_REDIS_PORTS, [26379, 26380, 26381]);
    REDIS_NAMES.forEach((name, index) => wanted.push([name, ports[index] ?? 0]));
  }
  if (ext.kafka === undefined) {
    wanted.push(['kafka', parsePort('STACK_KAFKA_PORT', env.STACK_KAFKA_PORT, 29092)]);
    wanted.push(['kafka-controller', parsePort('STACK_KAFKA_CONTROLLER_PORT', env.STACK_KAFKA_CONTROLLER_PORT, 29093)]);
    // The broker's second listener and the toxiproxy port it advertises (kafka.ts kafkaFaultsListener).
    wanted.push(['kafka-faults', parsePort('STACK_KAFKA_FAULTS_PORT', env.STACK_KAFKA_FAULTS_PORT, 29094)]);
    wanted.push(['toxiproxy-kafka', parsePort('STACK_TOXIPROXY_KAFKA_PORT', env.STACK_TOXIPROXY_KAFKA_PORT, 29095)]);
  }
  if (ext.etcd === undefined) {
    const clients = parsePortList('STACK_ETCD_PORTS', env.STACK_ETCD_PORTS, [22379, 22380, 22381]);
    const peers = parsePortList('STACK_ETCD_PEER_PORTS', env.STACK_ETCD_PEER_PORTS, [22389, 22390, 22391]);
    ETCD_NAMES.forEach((name, index) => {
      wanted.push([name, clients[index] ?? 0]);
      wanted.push([etcdPeerName(name), peers[index] ?? 0]);
    });
  }
  if (clusterEnabled(env)) {
    const ports = parsePortList('STACK_REDIS_CLUSTER_PORTS', env.STACK_REDIS_CLUSTER_PORTS, CLUSTER_DEFAULT_PORTS);
    CLUSTER_NAMES.forEach((name, index) => wanted.push([name, ports[index] ?? 0]));
  }
  // toxiproxy's HTTP API (8474 is its own default, shifted into the stack's range).
  wanted.push(['toxiproxy', parsePort('STACK_TOXIPROXY_PORT', env.STACK_TOXIPROXY_PORT, 28474)]);
  const running = new Set<string>();
  if (runningPostgresPid(state) !== undefined) running.add('postgres');
  for (const name of REDIS_NAMES) if (isRedisRunning(state, name)) running.add(name);
  for (const name of CLUSTER_NAMES) if (isClusterNodeRunning(state, name)) running.add(name);
  if (isKafkaRunning(state)) {
    running.add('kafka').add('kafka-controller');
    // Its listeners are fixed while it runs; a broker started before they existed gets them on its next start.
    if (state.ports['kafka-faults'] !== undefined) running.add('kafka-faults').add('toxiproxy-kafka');
  }
  for (const name of ETCD_NAMES) if (isEtcdRunning(state, name)) running.add(name).add(etcdPeerName(name));
  if (isToxiproxyRunning(state)) running.add('toxiproxy');
  const taken = new Set<number>();
  for (const name of running) {
    const port = state.ports[name]?.chosen;
    if (port !== undefined) taken.add(port);
  }
  for (const [name, port] of wanted) {
    if (running.has(name)) continue;
    const choice = await choosePort(name, port, state.ports[name], taken, keepsItsPort(name));
    state.ports[name] = choice;
    taken.add(choice.chosen);
  }
}
