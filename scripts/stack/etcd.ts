import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { isOurs, lastLogLine, spawnDetached, stopProcess, waitFor, whenExited } from './processes.js';
import { findEtcd } from './prerequisites.js';
import { saveState, stackDir, type ServiceLine, type StackState } from './state.js';

export const etcdDir = join(stackDir, 'etcd');
/** Three members of ONE cluster (Raft): a majority of two must answer for a write. */
export const ETCD_NAMES = ['etcd-1', 'etcd-2', 'etcd-3'] as const;
export const etcdPeerName = (name: string): string => `${name}-peer`;

const dirOf = (name: string): string => join(etcdDir, name);
/** etcd keeps its flags on its command line: the member's name and data dir say it is ours. */
const needles = (name: string): string[] => ['etcd', `--name=${name}`, `--data-dir=${join(dirOf(name), 'data')}`];

export const etcdUrl = (port: number): string => `http://127.0.0.1:${port}`;

function portOf(state: StackState, name: string): number {
  const port = state.ports[name]?.chosen;
  if (port === undefined) throw new StackError(`internal: no port chosen for ${name}`);
  return port;
}

export function isEtcdRunning(state: StackState, name: string): boolean {
  return isOurs(state.pids[name], needles(name));
}

export const etcdEndpoints = (state: StackState): string[] => ETCD_NAMES.map((name) => etcdUrl(state.ports[name]?.chosen ?? 0));

/**
 * Resolves when the member says the cluster is healthy: GET /health answers
 * {"health":"true"} only while a leader is known, i.e. a majority is up.
 */
export async function etcdHealthy(url: string): Promise<void> {
  const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = (await response.json()) as { health?: unknown };
  if (body.health !== 'true') throw new Error(`health ${JSON.stringify(body)}`);
}

export interface EtcdMember {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
}

/**
 * A member's flags (the test helper starts clusters of its own with them).
 * The cluster is formed once ("new"); on later starts etcd reads its
 * membership from its data dir and ignores the initial flags, so the peer
 * ports must stay what they were (ensureEtcd checks).
 */
export function memberFlags(member: EtcdMember, cluster: readonly EtcdMember[]): string[] {
  const peers = cluster.map((other) => `${other.name}=${etcdUrl(other.peerPort)}`).join(',');
  const client = etcdUrl(member.clientPort);
  const peer = etcdUrl(member.peerPort);
  return [
    `--name=${member.name}`,
    `--data-dir=${member.dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${peers}`,
    '--initial-cluster-state=new',
    '--initial-cluster-token=flash-sale-inventory',
    // Lock keys are small and short-lived: keep the history short so the data dir stays small.
    '--auto-compaction-mode=revision',
    '--auto-compaction-retention=10000',
    '--logger=zap',
    '--log-outputs=stderr',
  ];
}

/**
 * The stack's members. Data is kept across restarts on purpose: the revision
 * is etcd-lock's fencing token, and a cluster that started over at revision 1
 * would have every new holder refused by PostgreSQL (it keeps the highest
 * token it accepted) until stack:reset empties both.
 */
function stackMembers(state: StackState): EtcdMember[] {
  return ETCD_NAMES.map((name) => ({ name, dataDir: join(dirOf(name), 'data'), clientPort: portOf(state, name), peerPort: portOf(state, etcdPeerName(name)) }));
}

async function ensureOne(state: StackState, name: string, bin: string): Promise<ServiceLine> {
  const url = etcdUrl(portOf(state, name));
  const logFile = join(dirOf(name), 'etcd.log');
  // 30 s: a member waits for a second one before the cluster has a leader; all three start together.
  const readyTimeoutMs = 30_000;
  if (isEtcdRunning(state, name)) {
    const pid = state.pids[name];
    await waitFor(name, readyTimeoutMs, () => etcdHealthy(url), () => (isOurs(pid, needles(name)) ? undefined : `stopped; see ${logFile}`));
    return { name, address: url, how: 'already running' };
  }
  mkdirSync(dirOf(name), { recursive: true });
  const members = stackMembers(state);
  const member = members.find((candidate) => candidate.name === name);
  if (member === undefined) throw new StackError(`internal: no etcd member ${name}`);
  const pid = spawnDetached(bin, memberFlags(member, members), { logFile, cwd: dirOf(name) });
  state.pids[name] = pid;
  saveState(state); // at once: a Ctrl-C during the wait must not orphan the process
  await waitFor(name, readyTimeoutMs, () => etcdHealthy(url), whenExited(pid, () => `exited: ${lastLogLine(logFile)}`));
  return { name, address: url, how: 'started' };
}

/**
 * A cluster that has data remembers each member's peer address: a member
 * moved to another port (its own was busy) could never rejoin.
 */
function checkPeerPorts(state: StackState, remembered: Record<string, number | undefined>): void {
  for (const name of ETCD_NAMES) {
    const peer = etcdPeerName(name);
    const before = remembered[peer];
    if (!existsSync(join(dirOf(name), 'data')) || before === undefined || before === state.ports[peer]?.chosen) continue;
    throw new StackError(`${peer} port ${before} is busy, and the etcd cluster's data names that port: free it, or run npm run stack:reset`);
  }
}

/** Starts (or finds running) the three members, side by side: none is healthy before two are up. */
export async function ensureEtcd(state: StackState, remembered: Record<string, number | undefined>): Promise<ServiceLine[]> {
  const bin = findEtcd();
  if (bin === undefined && !ETCD_NAMES.every((name) => isEtcdRunning(state, name))) {
    throw new StackError('etcd not found: install etcd-server');
  }
  checkPeerPorts(state, remembered);
  return Promise.all(ETCD_NAMES.map((name) => ensureOne(state, name, bin ?? 'etcd')));
}

/** SIGTERM (etcd syncs and exits), SIGKILL after 20 s. */
export async function stopEtcd(state: StackState, name: string): Promise<boolean> {
  const pid = state.pids[name];
  delete state.pids[name];
  return stopProcess(pid, needles(name), 20_000);
}
