// redis-failover: the Redis Cluster master that holds the sale's SKU dies
// mid-sale and its replica is promoted, the way Redis Cluster fails over by
// itself (no operator command). The replica is held back 1 s first (SIGSTOP,
// its replication link cut), so the promotion really loses acknowledged
// writes: counter decrements,
// deduction markers, queue records. PostgreSQL must still refuse every unit
// sold twice, and the counter must be set right afterwards.
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { stockKey } from '../../services/shared/redis-keys.js';
import { keySlot } from '../../services/shared/redis-slots.js';
import { CLUSTER_NAMES } from '../../scripts/stack/redis-cluster.js';
import type { RunContext } from './context.js';
import { mark } from './injectors.js';
import { processState, signal } from './processes.js';

// How far the replica falls behind before its master dies.
const replicaLagMs = 1_000;
// cluster-node-timeout is 8 s in the stack; an election follows within a second or two.
const promotionBoundMs = 30_000;

interface ClusterNode {
  name: string;
  port: number;
  id: string;
  /** A replica's master id. */
  replicaOf: string;
}

/** One short-lived connection to one node, failing fast (the runner must never hang on it). */
async function onNode<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, connectTimeout: 2_000, commandTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

const ask = (port: number, ...args: string[]): Promise<string> => onNode(port, async (client) => String(await client.call('CLUSTER', ...args)));

/** The stack's nodes as one live node sees them (CLUSTER NODES), by stack name. */
async function clusterNodes(ctx: RunContext, seedPort: number): Promise<ClusterNode[]> {
  const byPort = new Map(CLUSTER_NAMES.map((name) => [ctx.stack.port(name), name]));
  return (await ask(seedPort, 'NODES'))
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const [id = '', address = '', flags = '', replicaOf = ''] = line.split(' ');
      const port = Number(address.split('@')[0]?.split(':')[1]);
      const name = byPort.get(port);
      if (name === undefined || flags.includes('fail')) return [];
      return [{ name, port, id, replicaOf }];
    });
}

/** Port of the master serving `slot`, as the node on `port` sees it; undefined when none does. */
function masterPortOf(port: number, slot: number): Promise<number | undefined> {
  return onNode(port, async (client) => {
    const info = String(await client.call('CLUSTER', 'INFO'));
    if (!info.includes('cluster_state:ok')) return undefined;
    const ranges = await client.cluster('SLOTS');
    return ranges.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
  });
}

/** The SKU's counter as one node holds it (null when missing or unreadable). */
function counterOn(port: number, key: string): Promise<string | null> {
  return onNode(port, (client) => client.get(key)).catch(() => null);
}

/** Cuts a master's replication links (its replicas reconnect by themselves, if they run). */
function dropReplicas(port: number): Promise<unknown> {
  return onNode(port, (client) => client.client('KILL', 'TYPE', 'replica'));
}

const replicationInfo = (port: number): Promise<string> => onNode(port, (client) => client.info('replication'));

/**
 * Holds back the replica of the SKU's master, kills the master (kill -9),
 * resumes the replica and waits until it serves the SKU's slot; the old
 * master is then started again by the stack script and joins as a replica.
 */
export async function failOverSkuMaster(ctx: RunContext): Promise<void> {
  const slot = keySlot(stockKey(ctx.sku));
  const seed = ctx.stack.port(CLUSTER_NAMES[0]);
  const nodes = await clusterNodes(ctx, seed).catch(() => clusterNodes(ctx, ctx.stack.port(CLUSTER_NAMES[1])));
  const masterPort = await masterPortOf(nodes[0]?.port ?? seed, slot);
  const master = nodes.find((node) => node.port === masterPort);
  const replica = nodes.find((node) => node.replicaOf === master?.id);
  if (master === undefined || replica === undefined) throw new Error(`slot ${slot}: no master with a replica in the stack's cluster (${JSON.stringify(nodes)})`);
  // The stack script's readiness waits for every replica to be in sync; say so if this one is not (it could not be promoted).
  const link = await replicationInfo(replica.port);
  if (!link.includes('master_link_status:up')) ctx.notes.push(`${replica.name} was not in sync with its master when the fault began`);
  const masterPid = ctx.stack.pid(master.name);
  const replicaPid = ctx.stack.pid(replica.name);
  const resume = ctx.cleanups.add(`SIGCONT ${replica.name}`, () => Promise.resolve(void signal(replicaPid, 'SIGCONT')));
  const restart = ctx.cleanups.add(`restart ${master.name} through the stack script`, () => ctx.stack.restart());
  try {
    mark(ctx, 'start');
    signal(replicaPid, 'SIGSTOP');
    // Cut the replication link too: what the master already wrote to the socket would
    // otherwise still reach the replica from its kernel buffer after SIGCONT, and nothing be lost.
    await dropReplicas(master.port);
    ctx.say(`  fault: replica ${replica.name} (:${replica.port}) stopped and cut off for ${replicaLagMs} ms`);
    await sleep(replicaLagMs);
    const before = await counterOn(master.port, stockKey(ctx.sku));
    signal(masterPid, 'SIGKILL');
    for (let i = 0; i < 50 && ![undefined, 'Z'].includes(processState(masterPid)); i++) await sleep(100);
    await resume();
    const killedAt = Date.now();
    ctx.say(`  fault: kill -9 master ${master.name} (:${master.port}, slot ${slot}); waiting for ${replica.name} to be promoted`);
    while ((await masterPortOf(replica.port, slot).catch(() => undefined)) !== replica.port) {
      if (Date.now() - killedAt > promotionBoundMs) throw new Error(`${replica.name} not promoted within ${promotionBoundMs} ms`);
      await sleep(200);
    }
    ctx.facts.promotedAfterMs = Date.now() - killedAt;
    // What the promotion lost: the counter the dead master last had against the one its replica took over with.
    const after = await counterOn(replica.port, stockKey(ctx.sku));
    ctx.facts.counterOnMasterAtKill = before ?? 'missing';
    ctx.facts.counterOnPromotedReplica = after ?? 'missing';
    ctx.say(`  fault: ${replica.name} promoted after ${ctx.facts.promotedAfterMs} ms; the SKU's counter was ${before ?? 'missing'} on the dead master, ${after ?? 'missing'} on the promoted replica`);
  } finally {
    await resume();
    await restart();
    mark(ctx, 'end');
    ctx.say(`  fault: ${master.name} restarted (a replica now)`);
  }
}
