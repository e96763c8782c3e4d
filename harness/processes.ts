// The one launcher of real processes, shared by the tests, npm run compare
// and npm run faults: the API, the worker and the no-op server run as
// `node --import tsx <entry>`, their output kept (the last 8 kB in memory,
// all of it in a log file when one is given), ready when a probe says so,
// stopped by their PID with a grace period and SIGKILL past it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { getPriority } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../services/shared/env-files.js';

export interface Child {
  name: string;
  process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once its output is closed. */
  exited: Promise<number | null>;
  /** The last output, for an error message. */
  tail(): string;
  /** Whether one of the markers given to spawnTs has appeared in the output, however long ago. */
  saw(marker: string): boolean;
  /** SIGTERM, then SIGKILL after 15 s (the API's own grace period is 10 s). */
  stop(): Promise<void>;
}

// Ports handed out by this process, never handed out twice: the caller binds them later.
const handedOut = new Set<number>();
// 30000-32767: below Linux's ephemeral range (32768-60999), where the kernel picks the local end
// of every outgoing connection, so a port found free there could be taken before the server that
// was to bind it starts (an etcd test member once never came up); above the stack's own defaults.
const firstPort = 30_000;
const portsInRange = 2_768;

/** Whether 127.0.0.1:port can be bound now. */
function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A loopback port that was free a moment ago, outside the ephemeral range, not given out before by this process. */
export async function freePort(): Promise<number> {
  const start = Math.floor(Math.random() * portsInRange);
  for (let step = 0; step < portsInRange; step += 1) {
    const port = firstPort + ((start + step) % portsInRange);
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${firstPort}-${firstPort + portsInRange - 1}`);
}

/**
 * The command that starts `command` at normal priority (nice 0) from a process
 * that raised its own (the faults runner): through `nice`, which execs in
 * place, so the child keeps its PID and no thread of it starts raised.
 */
export function atNormalPriority(command: string, args: string[]): [string, string[]] {
  const own = getPriority();
  return own < 0 ? ['nice', ['-n', String(-own), command, ...args]] : [command, args];
}

/**
 * `node --import tsx <entry>` (this same Node) with its open-file soft limit
 * raised to the hard one: each client connection is a file, and the API's
 * connection cap is derived from the soft limit (often 1,024 in a login shell,
 * when the hard limit allows far more). `sh` raises it and execs Node in
 * place, so the PID is Node's. A hard limit only root can raise is the
 * operator's (systemd LimitNOFILE, ulimit -Hn).
 */
export function tsNodeCommand(entry: string): [string, string[]] {
  return ['sh', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'sh', process.execPath, '--import', 'tsx', entry]];
}

/** `node --import tsx <entry>` (tsNodeCommand), its stdout and stderr kept, and appended to logFile when given. */
export function spawnTs(name: string, entry: string, env: Record<string, string>, logFile?: string, markers: string[] = []): Child {
  const child = spawn(...atNormalPriority(...tsNodeCommand(entry)), {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log: WriteStream | undefined;
  if (logFile !== undefined) {
    log = createWriteStream(logFile, { flags: 'a' });
    log.on('error', () => undefined); // a full disk must not end the run with children left behind
  }
  let recent = '';
  const seen = new Set<string>();
  const keep = (chunk: Buffer): void => {
    if (log !== undefined && !log.writableEnded) log.write(chunk);
    recent = (recent + chunk.toString()).slice(-8000);
    for (const marker of markers) if (recent.includes(marker)) seen.add(marker);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // 'close', not 'exit': output may still arrive after 'exit'.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    name,
    process: child,
    exited,
    tail: () => recent,
    saw: (marker) => seen.has(marker),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        // The API's grace period is 10 s; past 15 s it is killed.
        const killed = await Promise.race([exited.then(() => false), sleep(15_000).then(() => true)]);
        if (killed) child.kill('SIGKILL');
        await exited;
      }
      log?.end();
    },
  };
}

/** Polls `ready` every 200 ms until it is true; throws with the child's output when it exits or time runs out. */
export async function waitFor(child: Child, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (child.process.exitCode !== null || child.process.signalCode !== null) {
      throw new Error(`${child.name} exited before it was ready:\n${child.tail().slice(-3000)}`);
    }
    if (Date.now() > deadline) {
      await child.stop();
      throw new Error(`${child.name} was not ready after ${timeoutMs / 1000} s:\n${child.tail().slice(-3000)}`);
    }
    await sleep(200);
  }
}

/** true when GET url answers 200 within 2 s. */
export async function answers200(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * `count` API processes on one port, as `API_PROCESSES=count npm start` runs
 * them (SO_REUSEPORT past 1), each ready once it logged that it listens: with
 * one port, a health probe cannot tell which of them answered. `env` must
 * give PORT; LOG_LEVEL is at least info here, for that line. Output goes to
 * `logFile(i)` when given.
 */
export async function startApiProcesses(count: number, env: Record<string, string>, timeoutMs: number, logFile?: (index: number) => string): Promise<Child[]> {
  const listening = 'Server listening at';
  const level = env.LOG_LEVEL === undefined || ['warn', 'error', 'fatal', 'silent'].includes(env.LOG_LEVEL) ? 'info' : env.LOG_LEVEL;
  const apis = Array.from({ length: count }, (_, i) =>
    spawnTs(count === 1 ? 'api' : `api-${i + 1}`, 'services/api/server.ts', { ...env, LOG_LEVEL: level, API_PROCESSES: String(count) }, logFile?.(i), [listening]),
  );
  try {
    await Promise.all(apis.map((api) => waitFor(api, () => api.saw(listening), timeoutMs)));
  } catch (error: unknown) {
    await Promise.all(apis.map((api) => api.stop()));
    throw error;
  }
  return apis;
}
