import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import { StackError } from './errors.js';
import { lastLogLine, runLogged } from './processes.js';
import { logsDir } from './state.js';

const execFileAsync = promisify(execFile);

export const isRoot = (): boolean => process.getuid?.() === 0;

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH, like `command -v`. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** The newest /usr/lib/postgresql/<major>/bin holding initdb, pg_ctl and postgres. */
export function findPgBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(base, major, 'bin');
    if (['initdb', 'pg_ctl', 'postgres'].every((tool) => isExecutable(join(bin, tool)))) return bin;
  }
  return undefined;
}

/** A Debian package's server binary: on PATH, or in /usr/bin (root's PATH may lack it). */
function findServer(name: string): string | undefined {
  return which(name) ?? (isExecutable(`/usr/bin/${name}`) ? `/usr/bin/${name}` : undefined);
}

export const findRedisServer = (): string | undefined => findServer('redis-server');
export const findEtcd = (): string | undefined => findServer('etcd');

/** uid and gid of an OS user, from /etc/passwd (Node has no getpwnam). */
export function osUser(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

const POLICY_RC_D = '/usr/sbin/policy-rc.d';

/**
 * Installs Debian packages as root without letting their maintainer scripts
 * start system services (exit 101 from policy-rc.d means "not allowed").
 */
export async function aptInstall(packages: string[]): Promise<void> {
  const logFile = join(logsDir, 'apt.log');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // 15 min per apt step: a normal install takes ~1 min; this only stops a hung mirror or dpkg lock.
  const timeoutMs = 15 * 60_000;
  const createdPolicy = !existsSync(POLICY_RC_D);
  if (createdPolicy) {
    writeFileSync(POLICY_RC_D, '#!/bin/sh\n# Temporary, from flash-sale-inventory scripts/stack: start no service.\nexit 101\n', {
      mode: 0o755,
    });
  }
  try {
    process.stderr.write(`stack: installing ${packages.join(' ')} with apt-get (one time; log ${logFile})\n`);
    if ((await runLogged('apt-get', ['update'], { logFile, env, timeoutMs })) !== 0) {
      throw new StackError(`apt-get update failed: ${lastLogLine(logFile)} (log ${logFile})`);
    }
    const args = ['install', '-y', '--no-install-recommends', ...packages];
    if ((await runLogged('apt-get', args, { logFile, env, timeoutMs })) !== 0) {
      throw new StackError(`apt-get install ${packages.join(' ')} failed: ${lastLogLine(logFile)} (log ${logFile})`);
    }
  } finally {
    if (createdPolicy) rmSync(POLICY_RC_D, { force: true });
  }
}

/** Which servers must be started here (not running, not external), so their packages must be present. */
export interface ServerNeeds {
  postgres: boolean;
  redis: boolean;
  etcd: boolean;
}

/** Makes sure the PostgreSQL, Redis and etcd server binaries that are needed exist, installing them as root. */
export async function ensureServerPackages(need: ServerNeeds): Promise<void> {
  const packages: string[] = [];
  if (need.postgres && findPgBin() === undefined) packages.push('postgresql');
  if (need.redis && findRedisServer() === undefined) packages.push('redis-server');
  if (need.etcd && findEtcd() === undefined) packages.push('etcd-server');
  if (packages.length === 0) return;
  if (!isRoot()) throw new StackError(`${packages.join(', ')} missing: install them (Debian packages), or run as root`);
  if (which('apt-get') === undefined) throw new StackError(`${packages.join(', ')} missing and no apt-get here: install them`);
  await aptInstall(packages);
  if (need.postgres && findPgBin() === undefined) throw new StackError('postgresql installed but no /usr/lib/postgresql/*/bin/initdb found');
  if (need.redis && findRedisServer() === undefined) throw new StackError('redis-server installed but not found on PATH');
  if (need.etcd && findEtcd() === undefined) throw new StackError('etcd-server installed but no etcd found on PATH');
}

/** The java binary (JAVA_HOME first), or a one-line reason it is unusable. Kafka 4 needs Java 17+. */
export async function findJava(): Promise<string> {
  const fromHome = process.env.JAVA_HOME === undefined ? undefined : join(process.env.JAVA_HOME, 'bin', 'java');
  const java = fromHome !== undefined && isExecutable(fromHome) ? fromHome : which('java');
  const hint = 'install openjdk-17-jre-headless (Java 17+) for Kafka';
  if (java === undefined) throw new StackError(`java not found: ${hint}`);
  const { stderr } = await execFileAsync(java, ['-version']);
  // `openjdk version "17.0.15"` or, before Java 9, `"1.8.0_392"`.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
  const major = match === null ? 0 : Number(match[1]) === 1 ? Number(match[2]) : Number(match[1]);
  if (major < 17) throw new StackError(`${java} is Java ${major || 'unknown'}: ${hint}`);
  return java;
}

export function requireTool(name: string, hint: string): string {
  const path = which(name);
  if (path === undefined) throw new StackError(`${name} not found: ${hint}`);
  return path;
}
