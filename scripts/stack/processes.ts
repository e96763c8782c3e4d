import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StackError, messageOf } from './errors.js';

export interface RunOptions {
  /** stdout and stderr are appended here (never a pipe: a daemon could hold it open). */
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Run as this OS user (postgres refuses to run as root). */
  uid?: number;
  gid?: number;
  /** runLogged only: kill the command's process group after this long (exit code 124, like timeout(1)). */
  timeoutMs?: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** True when the process exists and is not a zombie (an unreaped dead child). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else; it is alive, and not ours to touch.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The command line of a process, arguments joined by spaces, or undefined. */
export function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * waitFor's abort for a process we have just spawned: `reason()` once it has died.
 * Liveness only, not isOurs: for a moment after spawn returns, the kernel may not have
 * set the new program's arguments yet, so /proc/<pid>/cmdline reads empty (seen here in
 * about 1 spawn of redis-server in 500) and a healthy server would look like a stranger.
 */
export function whenExited(pid: number, reason: () => string): () => string | undefined {
  return () => (isAlive(pid) ? undefined : reason());
}

/** True when `pid` is alive and its command line contains every needle: a process we started. */
export function isOurs(pid: number | undefined, needles: string[]): pid is number {
  if (pid === undefined || !isAlive(pid)) return false;
  const line = commandLine(pid);
  return line !== undefined && needles.every((needle) => line.includes(needle));
}

function openLog(logFile: string): number {
  mkdirSync(dirname(logFile), { recursive: true });
  return openSync(logFile, 'a');
}

/** In its own process group (detached), stdout and stderr to the open log `fd`. */
function spawnToLog(command: string, args: string[], options: RunOptions, fd: number): ChildProcess {
  return spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    detached: true,
    stdio: ['ignore', fd, fd],
  });
}

/**
 * Starts a long-running server in its own session with stdio to a log file,
 * so it survives the CLI exiting (and a closed terminal). Returns its pid.
 */
export function spawnDetached(command: string, args: string[], options: RunOptions): number {
  const fd = openLog(options.logFile);
  try {
    const child = spawnToLog(command, args, options, fd);
    child.on('error', () => undefined); // reported below through the missing pid
    child.unref();
    if (child.pid === undefined) throw new StackError(`could not start ${command}; see ${options.logFile}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a command to completion (output to its log) and returns its exit code.
 * Detached too, so a daemon it forks (pg_ctl → postgres) leaves our session.
 */
export function runLogged(command: string, args: string[], options: RunOptions): Promise<number> {
  const fd = openLog(options.logFile);
  return new Promise<number>((resolve, reject) => {
    const child = spawnToLog(command, args, options, fd);
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            // Negative pid: the whole group of our detached child (e.g. go and its compilers).
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          }, options.timeoutMs);
    child.once('error', (error) => reject(new StackError(`could not run ${command}: ${messageOf(error)}`)));
    // 'exit', not 'close': a forked daemon may keep inherited descriptors open.
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(timedOut ? 124 : (code ?? (signal === null ? 1 : 128)));
    });
  }).finally(() => closeSync(fd));
}

/** The last non-empty line of a log, to put in a one-line error. */
export function lastLogLine(logFile: string): string {
  if (!existsSync(logFile)) return '(no log)';
  const lines = readFileSync(logFile, 'utf8').split('\n').map((line) => line.trim()).filter((line) => line !== '');
  return lines.at(-1) ?? '(empty log)';
}

/**
 * Stops one of our processes: `signal`, then SIGKILL after `graceMs`.
 * Does nothing unless the pid is ours (alive, command line matches).
 */
export async function stopProcess(
  pid: number | undefined,
  needles: string[],
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<boolean> {
  if (!isOurs(pid, needles)) return false;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100); // 100 ms: short enough that `down` feels instant for Redis
  }
  if (isOurs(pid, needles)) {
    process.stderr.write(`stack: pid ${pid} ignored ${signal} for ${graceMs / 1000}s; sending SIGKILL\n`);
    process.kill(pid, 'SIGKILL');
    // 5 s: the kernel frees a SIGKILLed process almost at once; this only bounds the wait.
    const killDeadline = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(100);
  }
  return true;
}

/**
 * Retries `attempt` until it resolves or `timeoutMs` passes. `abort` may name a
 * reason to stop early (e.g. the server process died). Errors are one line.
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  attempt: (remainingMs: number) => Promise<T>,
  abort?: () => string | undefined,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no attempt made';
  for (;;) {
    const reason = abort?.();
    if (reason !== undefined) throw new StackError(`${what}: ${reason}`);
    try {
      return await attempt(Math.max(1_000, deadline - Date.now()));
    } catch (error) {
      lastError = messageOf(error);
    }
    if (Date.now() >= deadline) {
      throw new StackError(`${what} did not answer within ${Math.round(timeoutMs / 1000)}s (${lastError})`);
    }
    await sleep(intervalMs);
  }
}
