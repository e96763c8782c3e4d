// The API and worker processes a fault run starts itself, each known by its
// pid: only these (and the stack's own servers, by the pids in
// .stack/state.json) are ever signalled. kill -9 and restart, SIGSTOP and
// SIGCONT are what the scenarios do to them.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Child, answers200, spawnTs, waitFor } from '../../harness/processes.js';

/** The process state letter of /proc/<pid>/stat ('R', 'S', 'T' stopped, 'Z'...), or undefined when gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

/** The pids whose parent is `pid` (PostgreSQL's backends are children of the postmaster). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  // /proc entries that are numbers are processes.
  const pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  for (const entry of pids) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(entry);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Sends `signal` to `pid`; false when the process is gone. */
export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

export interface ServiceSpec {
  name: string;
  entry: string;
  env: Record<string, string>;
  logFile: string;
  /** True once the process serves (API: /health/live answers 200; worker: its groups have members). */
  ready: () => Promise<boolean>;
}

// 60 s: tsx compiles on start (~3-5 s on 2 busy cores); a worker's join may wait out a dead member's 6 s session.
const startTimeoutMs = 60_000;

/** One API or worker process, restartable: kill -9 then start again with the same settings. */
export class ServiceProcess {
  private child: Child | undefined;
  /** True while the runner itself has it down (kill -9 then restart, or a graceful stop). */
  private managed = false;

  constructor(readonly spec: ServiceSpec) {}

  get pid(): number | undefined {
    const child = this.child?.process;
    return child !== undefined && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  /** Exited on its own (not by the runner): a crash. The last output, for the report. */
  crashed(): string | undefined {
    if (this.managed || this.child === undefined || this.pid !== undefined) return undefined;
    // One short line per log line: a JSON log line gives its msg and err.message, a plain line itself.
    const lines = this.child
      .tail()
      .trim()
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('    at '))
      .map((line) => {
        try {
          const parsed = JSON.parse(line) as { msg?: unknown; err?: { message?: unknown } };
          return `${String(parsed.msg)}: ${String(parsed.err?.message ?? '')}`;
        } catch {
          return line.slice(0, 160);
        }
      });
    return [...new Set(lines)].slice(-3).join(' / ');
  }

  async start(): Promise<void> {
    this.managed = true;
    try {
      await this.spawnAndWait();
    } finally {
      this.managed = false;
    }
  }

  private async spawnAndWait(): Promise<void> {
    const child = spawnTs(this.spec.name, this.spec.entry, this.spec.env, this.spec.logFile);
    this.child = child;
    await waitFor(child, this.spec.ready, startTimeoutMs);
  }

  /** kill -9: no grace, no cleanup, exactly what a crash is. Resolves once the process is gone. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (child === undefined || this.pid === undefined) return;
    this.managed = true; // until start() brings it back
    child.process.kill('SIGKILL');
    await Promise.race([child.exited, sleep(5_000)]);
  }

  /** SIGSTOP / SIGCONT of this process only. */
  signal(sig: NodeJS.Signals): boolean {
    const pid = this.pid;
    return pid !== undefined && signal(pid, sig);
  }

  isStopped(): boolean {
    const pid = this.pid;
    return pid !== undefined && processState(pid) === 'T';
  }

  /** SIGCONT first (a stopped process cannot handle SIGTERM), then the graceful stop. */
  async stop(): Promise<void> {
    this.managed = true;
    this.signal('SIGCONT');
    await this.child?.stop();
    this.child = undefined;
  }
}

export function apiSpec(name: string, port: number, env: Record<string, string>, logsDir: string): ServiceSpec {
  return {
    name,
    entry: 'services/api/server.ts',
    env: { LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), ...env },
    logFile: join(logsDir, `${name}.log`),
    // live, not ready: a restart during a store's outage must still count as started.
    ready: () => answers200(`http://127.0.0.1:${port}/health/live`),
  };
}
