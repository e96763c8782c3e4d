import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { StackError } from './errors.js';
import { isOurs, lastLogLine, spawnDetached, stopProcess, waitFor, whenExited } from './processes.js';
import { findRedisServer } from './prerequisites.js';
import { saveState, stackDir, writeIfChanged, type ServiceLine, type StackState } from './state.js';

export const redisDir = join(stackDir, 'redis');
/** Three independent servers: the first is the main one, all three are the Redlock quorum. */
export const REDIS_NAMES = ['redis-1', 'redis-2', 'redis-3'] as const;

const dirOf = (index: number): string => join(redisDir, String(index + 1));
/** Redis retitles itself "redis-server 127.0.0.1:<port>": that is how we recognise ours. */
export const redisNeedles = (port: number): string[] => ['redis-server', `127.0.0.1:${port}`];

export const redisUrl = (port: number): string => `redis://127.0.0.1:${port}`;

function portOf(state: StackState, name: string): number {
  const port = state.ports[name]?.chosen;
  if (port === undefined) throw new StackError(`internal: no port chosen for ${name}`);
  return port;
}

export function isRedisRunning(state: StackState, name: string): boolean {
  const port = state.ports[name]?.chosen;
  return port !== undefined && isOurs(state.pids[name], redisNeedles(port));
}

/** redis.conf of a stack server; `extra` lines (a cluster node's settings) go before the persistence ones. */
export function redisConfig(dir: string, port: number, extra: string[] = []): string {
  return [
    '# Written by scripts/stack on each start; edits are overwritten.',
    'bind 127.0.0.1',
    `port ${port}`,
    'protected-mode yes',
    'daemonize no',
    `dir ${dir}`,
    `pidfile ${join(dir, 'redis.pid')}`,
    `logfile ${join(dir, 'redis.log')}`,
    ...extra,
    '# Stock lives in Redis: a restart must not lose it. everysec loses at most ~1 s on a crash,',
    '# and nothing on a clean stop (SIGTERM flushes the AOF).',
    'appendonly yes',
    'appendfsync everysec',
    '',
  ].join('\n');
}

/** Resolves when the server at `url` answers PING (one attempt). */
export async function pingRedis(url: string): Promise<void> {
  // No retries or offline queue: each attempt fails fast and waitFor decides when to give up.
  // 2 s: a local server connects in a millisecond; this bounds a black-holed address.
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  // ioredis reports the cause (e.g. ECONNREFUSED) as an event and rejects with "Connection is closed".
  let cause: string | undefined;
  client.on('error', (error: Error) => {
    cause = error.message;
  });
  try {
    await client.connect();
    const reply = await client.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${reply}`);
  } catch (error) {
    throw new Error(cause ?? (error instanceof Error ? error.message : String(error)));
  } finally {
    client.disconnect();
  }
}

async function ensureOne(state: StackState, index: number, bin: string): Promise<ServiceLine> {
  const name = REDIS_NAMES[index] ?? `redis-${index + 1}`;
  const port = portOf(state, name);
  const url = redisUrl(port);
  const dir = dirOf(index);
  const logFile = join(dir, 'redis.log');
  // 30 s: loading a large AOF answers -LOADING until done; an empty one takes milliseconds.
  const readyTimeoutMs = 30_000;
  if (isRedisRunning(state, name)) {
    const pid = state.pids[name];
    await waitFor(name, readyTimeoutMs, () => pingRedis(url), () => (isOurs(pid, redisNeedles(port)) ? undefined : `stopped; see ${logFile}`));
    return { name, address: url, how: 'already running' };
  }
  mkdirSync(dir, { recursive: true });
  const confPath = join(dir, 'redis.conf');
  writeIfChanged(confPath, redisConfig(dir, port));
  // stdout catches what Redis prints before it opens its logfile (e.g. a config error).
  const stdoutLog = join(dir, 'stdout.log');
  const pid = spawnDetached(bin, [confPath], { logFile: stdoutLog, cwd: dir });
  state.pids[name] = pid;
  saveState(state); // at once: a Ctrl-C during the wait must not orphan the process
  await waitFor(name, readyTimeoutMs, () => pingRedis(url), whenExited(pid, () => `exited: ${lastLogLine(logFile)} / ${lastLogLine(stdoutLog)}`));
  return { name, address: url, how: 'started' };
}

/** Starts (or finds running) the three servers, in parallel. */
export async function ensureRedis(state: StackState): Promise<ServiceLine[]> {
  const bin = findRedisServer();
  if (bin === undefined && !REDIS_NAMES.every((name) => isRedisRunning(state, name))) {
    throw new StackError('redis-server not found: install redis-server');
  }
  return Promise.all(REDIS_NAMES.map((_, index) => ensureOne(state, index, bin ?? 'redis-server')));
}

/** SIGTERM (Redis flushes the AOF and exits), SIGKILL after 20 s. */
export async function stopRedis(state: StackState, name: string): Promise<boolean> {
  const port = state.ports[name]?.chosen;
  const pid = state.pids[name];
  delete state.pids[name];
  if (port === undefined) return false;
  // 20 s: a final save of a benchmark-sized dataset takes well under a second.
  return stopProcess(pid, redisNeedles(port), 20_000);
}
