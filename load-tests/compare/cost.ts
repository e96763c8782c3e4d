// What one answer costs each part of the system, measured around a capacity
// phase: CPU time of every process (deltas of /proc/<pid>/stat), Redis
// commands (INFO commandstats), PostgreSQL write transactions and WAL bytes.
// CPU time per answer moves far less than throughput when something else
// loads the machine, and it is what the projection (projection.ts) scales.
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { type Kysely, sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { Database } from '../../db/schema.js';

export const components = ['api', 'worker', 'postgres', 'redis', 'kafka', 'etcd', 'k6'] as const;
export type Component = (typeof components)[number];

/** A snapshot of the counters; two of them give a phase's cost (costBetween). */
export interface CostSample {
  /** CPU ms used so far by each component's processes (live ones, plus what the parents reaped). */
  cpuMs: Record<Component, number>;
  /** CPU ms of each process of the main Redis, by port: one server, or each master of the cluster. */
  mainRedisCpuMs: Record<number, number>;
  /** Commands executed so far, summed over every Redis (INFO commandstats). */
  redisCommands: number;
  /** PostgreSQL's next transaction id: the write transactions (each commits or aborts once) since. */
  nextXid: bigint;
  /** pg_current_wal_lsn() as a byte position. */
  walBytes: bigint;
  /** When it was taken (epoch ms). */
  atMs: number;
}

/** Per answer of one phase. */
export interface PhaseCost {
  answers: number;
  cpuMsPerAnswer: Record<Component, number>;
  /** cpuMsPerAnswer.redis, the main Redis's share only: on a cluster, its busiest master (the hot SKU's shard). */
  mainRedisCpuMsPerAnswer: number;
  redisCommandsPerAnswer: number;
  /** redisCommandsPerAnswer less the idle rate over the phase's length; null without an idle rate. */
  redisCommandsNetPerAnswer: number | null;
  /** Write transactions per answer (transaction ids assigned: a read-only transaction takes none and commits nothing to disk). */
  pgCommitsPerAnswer: number;
  walBytesPerAnswer: number;
}

export interface CostProbe {
  db: Kysely<Database>;
  /** Every Redis whose commands count: the stack's servers and, with the main Redis on the cluster, its masters. */
  redis: Redis[];
  /** The main Redis's ports (one server, or the cluster's masters), to tell their processes from the others. */
  mainRedisPorts: number[];
  /** Commands/s every Redis serves with nobody buying (the loops of the API and worker), once measured (idleCommandRate). */
  idleCommandsPerSecond?: number;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  cmdline: string;
  /** utime + stime, in clock ticks. */
  own: number;
  /** cutime + cstime: children it has reaped. */
  reaped: number;
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    // Fields from 3 (state) on; utime is field 14, so index 11 here.
    const f = stat.slice(close + 2).split(' ');
    const n = (i: number): number => Number(f[i] ?? 0);
    return { pid, ppid: n(1), comm, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' '), own: n(11) + n(12), reaped: n(13) + n(14) };
  } catch {
    return undefined; // gone meanwhile
  }
}

function componentOf(p: Proc): Component | undefined {
  if (p.cmdline.includes('services/api/server.ts') || p.cmdline.includes('services/api/cluster.ts')) return 'api';
  if (p.cmdline.includes('services/worker/main.ts')) return 'worker';
  if (p.comm === 'postgres') return 'postgres';
  if (p.comm.startsWith('redis-server')) return 'redis';
  if (p.comm === 'java' && p.cmdline.includes('kafka')) return 'kafka';
  if (p.comm === 'etcd') return 'etcd';
  if (p.comm === 'k6') return 'k6';
  return undefined;
}

function cpuByComponent(mainRedisPorts: readonly number[]): { cpuMs: Record<Component, number>; mainRedisCpuMs: Record<number, number> } {
  const msPerTick = 1000 / clockTicks();
  const cpuMs = Object.fromEntries(components.map((c) => [c, 0])) as Record<Component, number>;
  const mainRedisCpuMs: Record<number, number> = Object.fromEntries(mainRedisPorts.map((port) => [port, 0]));
  const procs = readdirSync('/proc').flatMap((entry) => (/^\d+$/.test(entry) ? [readProc(Number(entry))].filter((p): p is Proc => p !== undefined) : []));
  const postgresPids = new Set(procs.filter((p) => p.comm === 'postgres').map((p) => p.pid));
  for (const p of procs) {
    const component = componentOf(p);
    if (component === undefined) continue;
    cpuMs[component] += p.own * msPerTick;
    // The postmaster reaps every backend: a connection closed during the phase keeps its CPU there.
    if (component === 'postgres' && !postgresPids.has(p.ppid)) cpuMs.postgres += p.reaped * msPerTick;
    const port = component === 'redis' ? mainRedisPorts.find((candidate) => p.cmdline.includes(`:${candidate}`)) : undefined;
    if (port !== undefined) mainRedisCpuMs[port] = (mainRedisCpuMs[port] ?? 0) + p.own * msPerTick;
  }
  // k6 runs as this process's child and is reaped here when its phase ends.
  const self = readProc(process.pid);
  cpuMs.k6 += (self?.reaped ?? 0) * msPerTick;
  return { cpuMs, mainRedisCpuMs };
}

async function commandsExecuted(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

/** An LSN `X/Y` (two 32-bit hex halves) as a byte position. */
export function lsnBytes(lsn: string): bigint {
  const [high, low] = lsn.split('/');
  return (BigInt(`0x${high ?? '0'}`) << 32n) + BigInt(`0x${low ?? '0'}`);
}

export async function sampleCost(probe: CostProbe): Promise<CostSample> {
  const row = await sql<{ xid: string; lsn: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as xid, pg_current_wal_lsn()::text as lsn`.execute(probe.db);
  const commands = await Promise.all(probe.redis.map(commandsExecuted));
  const { cpuMs, mainRedisCpuMs } = cpuByComponent(probe.mainRedisPorts);
  const first = row.rows[0];
  return { cpuMs, mainRedisCpuMs, redisCommands: commands.reduce((a, b) => a + b, 0), nextXid: BigInt(first?.xid ?? '0'), walBytes: lsnBytes(first?.lsn ?? '0/0'), atMs: Date.now() };
}

/** Commands/s over `ms` of quiet: what the background loops cost, to take off each phase's count. */
export async function idleCommandRate(probe: CostProbe, ms: number): Promise<number> {
  const before = await sampleCost(probe);
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await sampleCost(probe);
  return Math.max(0, after.redisCommands - before.redisCommands) / ((after.atMs - before.atMs) / 1000);
}

/** The cost per answer between two samples; null when nothing was answered. CPU below zero (a process restarted) counts as zero. */
export function costBetween(before: CostSample, after: CostSample, answers: number, idleCommandsPerSecond?: number): PhaseCost | null {
  if (answers <= 0) return null;
  const per = (value: number): number => Math.max(0, value) / answers;
  return {
    answers,
    cpuMsPerAnswer: Object.fromEntries(components.map((c) => [c, per(after.cpuMs[c] - before.cpuMs[c])])) as Record<Component, number>,
    // The busiest process of the main Redis: on a cluster, the master holding the hot SKU's shard.
    mainRedisCpuMsPerAnswer: per(Math.max(0, ...Object.entries(after.mainRedisCpuMs).map(([port, ms]) => ms - (before.mainRedisCpuMs[Number(port)] ?? 0)))),
    redisCommandsPerAnswer: per(after.redisCommands - before.redisCommands),
    redisCommandsNetPerAnswer: idleCommandsPerSecond === undefined ? null : per(after.redisCommands - before.redisCommands - (idleCommandsPerSecond * (after.atMs - before.atMs)) / 1000),
    pgCommitsPerAnswer: per(Number(after.nextXid - before.nextXid)),
    walBytesPerAnswer: per(Number(after.walBytes - before.walBytes)),
  };
}
