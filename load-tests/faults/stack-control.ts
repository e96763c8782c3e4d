// The stack's own servers as the fault runner sees them: their pids from
// .stack/state.json (only those are signalled, each checked to be alive),
// their addresses, and a restart through the stack script itself.
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { repoRoot } from '../../services/shared/env-files.js';
import { kafkaFaultsListener } from '../../scripts/stack/kafka.js';
import { loadState, type StackState } from '../../scripts/stack/state.js';
import { toxiproxyUrl } from '../../scripts/stack/toxiproxy.js';
import { atNormalPriority } from '../../harness/processes.js';
import { childPids, processState } from './processes.js';

export type RedisName = 'redis-1' | 'redis-2' | 'redis-3';

export class StackControl {
  private state: StackState = loadState();

  /** Re-reads state.json: a restart changes pids. */
  refresh(): void {
    this.state = loadState();
  }

  port(name: string): number {
    const port = this.state.ports[name]?.chosen;
    if (port === undefined) throw new Error(`no port for ${name} in .stack/state.json: run npm run stack:up`);
    return port;
  }

  /** A pid of the stack's, only when that process is alive (never a stale number). */
  pid(name: string): number {
    this.refresh();
    const pid = this.state.pids[name];
    if (pid === undefined || processState(pid) === undefined) throw new Error(`${name} is not running (no live pid in .stack/state.json)`);
    return pid;
  }

  /** The postmaster and every backend and helper it forked: a pause must stop them all. */
  postgresPids(): { postmaster: number; children: number[] } {
    const postmaster = this.pid('postgres');
    return { postmaster, children: childPids(postmaster) };
  }

  redisUrl(name: RedisName): string {
    return `redis://127.0.0.1:${this.port(name)}`;
  }

  toxiproxyUrl(): string {
    return toxiproxyUrl(this.state);
  }

  kafkaFaults(): { upstream: string; proxied: string } | undefined {
    return kafkaFaultsListener(this.state);
  }

  /** A short-lived client of one Redis server, failing fast (the runner must never hang on it). */
  redis(name: RedisName): Redis {
    // 2 s: a local server answers in a millisecond. No reconnects and no retried commands; the
    // offline queue only holds the first command until the initial connect completes.
    return new Redis(this.redisUrl(name), { commandTimeout: 2_000, maxRetriesPerRequest: 0, enableOfflineQueue: true, connectTimeout: 2_000, retryStrategy: () => null });
  }

  /**
   * Starts whatever of the stack is not running, through the stack script
   * (`scripts/stack/cli.ts up --no-k6`: the same code as `npm run stack:up`,
   * which keeps data and ports and waits until each server answers).
   */
  restart(): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(...atNormalPriority(process.execPath, ['--import', 'tsx', 'scripts/stack/cli.ts', 'up', '--no-k6']), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const keep = (chunk: Buffer): void => {
        output = (output + chunk.toString()).slice(-4000);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      // 150 s: Kafka's JVM start with log recovery after a kill -9 takes 20-60 s on 2 busy cores.
      const timer = setTimeout(() => child.kill('SIGTERM'), 150_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        this.refresh();
        if (code === 0) resolve();
        else reject(new Error(`stack restart failed (exit ${code}): ${output.trim().split('\n').slice(-3).join(' / ')}`));
      });
    });
  }
}
