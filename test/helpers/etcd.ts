import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type EtcdMember, etcdHealthy, etcdUrl, memberFlags } from '../../scripts/stack/etcd.js';
import { findEtcd } from '../../scripts/stack/prerequisites.js';
import { freePort } from './processes.js';

export interface EtcdCluster {
  endpoints: string[];
  /** SIGSTOP / SIGCONT / SIGKILL of one member, by index. */
  pause(index: number): void;
  resume(index: number): void;
  kill(index: number): Promise<void>;
  /** Kills every member (by the PIDs it started) and deletes the data. */
  close(): Promise<void>;
}

/** A throw-away three-member etcd cluster with its data in a temporary folder, so a test may stop members. */
export async function spawnEtcdCluster(): Promise<EtcdCluster> {
  const bin = findEtcd();
  if (bin === undefined) throw new Error('etcd not found: npm run stack:up installs etcd-server');
  const root = mkdtempSync(join(tmpdir(), 'etcd-test-'));
  const members: EtcdMember[] = [];
  for (const name of ['t1', 't2', 't3']) members.push({ name, dataDir: join(root, name), clientPort: await freePort(), peerPort: await freePort() });
  const children: ChildProcess[] = members.map((member) => spawn(bin, memberFlags(member, members), { stdio: 'ignore' }));
  const kill = async (index: number): Promise<void> => {
    const child = children[index];
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGCONT'); // a paused member must run to die
    child.kill('SIGKILL');
    await exited;
  };
  const close = async (): Promise<void> => {
    await Promise.all(children.map((_, index) => kill(index)));
    rmSync(root, { recursive: true, force: true });
  };
  const endpoints = members.map((member) => etcdUrl(member.clientPort));
  // 20 s: a leader is elected within ~2 s of two members being up; more means it will not be.
  const deadline = Date.now() + 20_000;
  try {
    for (const url of endpoints) {
      for (;;) {
        const healthy = await etcdHealthy(url).then(() => true, () => false);
        if (healthy) break;
        if (Date.now() > deadline) throw new Error(`etcd member ${url} not healthy within 20 s`);
        await sleep(100);
      }
    }
  } catch (error: unknown) {
    await close();
    throw error;
  }
  const signal = (index: number, name: NodeJS.Signals): void => {
    children[index]?.kill(name);
  };
  return { endpoints, pause: (index) => signal(index, 'SIGSTOP'), resume: (index) => signal(index, 'SIGCONT'), kill, close };
}
