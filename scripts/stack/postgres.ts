import { appendFileSync, chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { StackError } from './errors.js';
import { isOurs, lastLogLine, runLogged, waitFor, type RunOptions } from './processes.js';
import { findPgBin, isRoot, osUser } from './prerequisites.js';
import { maskUrl, stackDir, writeIfChanged, type ServiceLine, type StackState } from './state.js';

export const pgDir = join(stackDir, 'postgres');
const dataDir = join(pgDir, 'data');
const socketDir = join(pgDir, 'run');
const logFile = join(pgDir, 'postgres.log');
const ROLE = 'flash_sale';
const DATABASE = 'flash_sale';
/** The postmaster's command line holds its data dir: that is how we recognise ours. */
const NEEDLES = ['postgres', dataDir];

export function postgresUrl(state: StackState): string {
  const port = state.ports.postgres?.chosen ?? 0;
  return `postgres://${ROLE}:${state.pgPassword}@127.0.0.1:${port}/${DATABASE}`;
}

/** Our postmaster's pid: from state, else from the cluster's own postmaster.pid. */
export function runningPostgresPid(state: StackState): number | undefined {
  if (isOurs(state.pids.postgres, NEEDLES)) return state.pids.postgres;
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && isOurs(pid, NEEDLES) ? pid : undefined;
}

/** As root, the cluster belongs to the `postgres` OS user: postgres refuses to run as root. */
function owner(): { uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined;
  const user = osUser('postgres');
  if (user === undefined) throw new StackError("no 'postgres' OS user: install postgresql (it creates the user)");
  return user;
}

/**
 * The postgres OS user must be able to walk down to the data directory. A
 * clone under a private folder (mktemp -d makes 0700 ones) blocks it, so each
 * blocking ancestor gets search permission only (o+x: enter, not list), and
 * we say so rather than fail with initdb's "Permission denied".
 */
function letOwnerReach(dir: string, user: { uid: number; gid: number }): void {
  const blocked: string[] = [];
  for (let current = dirname(dir); ; current = dirname(current)) {
    const info = statSync(current);
    const reachable =
      info.uid === user.uid ? (info.mode & 0o100) !== 0 : info.gid === user.gid ? (info.mode & 0o010) !== 0 : (info.mode & 0o001) !== 0;
    if (!reachable) blocked.push(current);
    if (current === dirname(current)) break;
  }
  for (const path of blocked) {
    chmodSync(path, statSync(path).mode | 0o001);
    process.stderr.write(`stack: gave others search permission (o+x) on ${path} so the postgres user can reach its data\n`);
  }
}

async function query(config: pg.ClientConfig, sql: string): Promise<pg.QueryResult> {
  // 3 s: a local server answers in milliseconds; this only bounds a hung connect.
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined); // a dropped connection surfaces through the query instead
  try {
    await client.connect();
    return await client.query(sql);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Settings rewritten on each start (the port may change); included from postgresql.conf. */
function stackConf(port: number): string {
  return [
    '# Written by scripts/stack/postgres.ts on each start; edits are overwritten.',
    "listen_addresses = '127.0.0.1'",
    `port = ${port}`,
    `unix_socket_directories = '${socketDir}'`,
    'unix_socket_permissions = 0700',
    '# Tests run several API processes, each with its own pool.',
    'max_connections = 200',
    '# Benchmark box with 24 GiB shared with Redis, Kafka, the API and k6.',
    'shared_buffers = 256MB',
    'effective_cache_size = 2GB',
    'maintenance_work_mem = 64MB',
    "password_encryption = 'scram-sha-256'",
    '# Durability stays at the defaults (fsync, synchronous_commit on): the comparison must be honest.',
    '# A stall shows its cause in the log: a lock wait past deadlock_timeout (1 s), a statement past 1 s.',
    'log_lock_waits = on',
    'log_min_duration_statement = 1000',
    '',
  ].join('\n');
}

async function initCluster(bin: string, run: Omit<RunOptions, 'logFile'>): Promise<void> {
  rmSync(dataDir, { recursive: true, force: true }); // a half-made cluster from an interrupted initdb
  const initLog = join(pgDir, 'initdb.log');
  const args = ['-D', dataDir, '-U', 'postgres', '--encoding=UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256'];
  if ((await runLogged(join(bin, 'initdb'), args, { ...run, logFile: initLog })) !== 0) {
    throw new StackError(`initdb failed: ${lastLogLine(initLog)} (log ${initLog})`);
  }
  appendFileSync(join(dataDir, 'postgresql.conf'), "\ninclude 'stack.conf'\n");
}

/** Creates the application role and database (idempotent), over the trusted local socket. */
async function provision(state: StackState, port: number): Promise<void> {
  const admin = { host: socketDir, port, user: 'postgres', database: 'postgres' };
  const literal = `'${state.pgPassword.replaceAll("'", "''")}'`;
  const roles = await query(admin, `SELECT 1 FROM pg_roles WHERE rolname = '${ROLE}'`);
  const verb = roles.rowCount === 0 ? 'CREATE' : 'ALTER';
  await query(admin, `${verb} ROLE ${ROLE} LOGIN PASSWORD ${literal}`);
  const dbs = await query(admin, `SELECT 1 FROM pg_database WHERE datname = '${DATABASE}'`);
  if (dbs.rowCount === 0) await query(admin, `CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
}

/** Waits until `url` accepts a query. */
export async function checkPostgres(url: string, timeoutMs: number, abort?: () => string | undefined): Promise<void> {
  await waitFor(`postgres at ${maskUrl(url)}`, timeoutMs, () => query({ connectionString: url }, 'SELECT 1'), abort);
}

export async function ensurePostgres(state: StackState): Promise<ServiceLine> {
  const url = postgresUrl(state);
  const line = { name: 'postgres', address: maskUrl(url) };
  // 30 s: a running server answers at once; a just-restarted one may replay WAL first.
  const readyTimeoutMs = 30_000;
  const running = runningPostgresPid(state);
  if (running !== undefined) {
    state.pids.postgres = running;
    await checkPostgres(url, readyTimeoutMs, () => (isOurs(running, NEEDLES) ? undefined : `stopped; see ${logFile}`));
    return { ...line, how: 'already running' };
  }
  const bin = findPgBin();
  if (bin === undefined) throw new StackError('postgresql server binaries not found: install postgresql');
  const port = state.ports.postgres?.chosen;
  if (port === undefined) throw new StackError('internal: no port chosen for postgres');
  const user = owner();
  const run = { cwd: pgDir, uid: user?.uid, gid: user?.gid };
  for (const dir of [pgDir, socketDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (user !== undefined) chownSync(dir, user.uid, user.gid);
  }
  if (user !== undefined) letOwnerReach(pgDir, user);
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await initCluster(bin, run);
  const confPath = join(dataDir, 'stack.conf');
  writeIfChanged(confPath, stackConf(port));
  if (user !== undefined) chownSync(confPath, user.uid, user.gid);
  const ctlLog = join(pgDir, 'pg_ctl.log');
  // -t 60: crash recovery after an unclean stop replays WAL before accepting connections.
  const startArgs = ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60', '-s'];
  if ((await runLogged(join(bin, 'pg_ctl'), startArgs, { ...run, logFile: ctlLog })) !== 0) {
    throw new StackError(`postgres did not start: ${lastLogLine(logFile)} (log ${logFile})`);
  }
  const pid = runningPostgresPid(state);
  if (pid === undefined) throw new StackError(`postgres started but its pid was not found (log ${logFile})`);
  state.pids.postgres = pid;
  await waitFor('postgres setup', readyTimeoutMs, () => provision(state, port));
  await checkPostgres(url, readyTimeoutMs);
  return { ...line, how: 'started' };
}

/** `pg_ctl stop -m fast`: disconnects clients, checkpoints, exits cleanly. */
export async function stopPostgres(state: StackState): Promise<boolean> {
  const pid = runningPostgresPid(state);
  delete state.pids.postgres;
  if (pid === undefined) return false;
  const bin = findPgBin();
  const user = owner();
  const ctlLog = join(pgDir, 'pg_ctl.log');
  // -t 60: a fast shutdown checkpoints first; a big benchmark's dirty buffers take a few seconds.
  const args = ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60', '-s'];
  const code = bin === undefined ? 1 : await runLogged(join(bin, 'pg_ctl'), args, { logFile: ctlLog, cwd: pgDir, uid: user?.uid, gid: user?.gid });
  if (code !== 0 && isOurs(pid, NEEDLES)) {
    throw new StackError(`pg_ctl stop failed for pid ${pid}: ${lastLogLine(ctlLog)} (log ${ctlLog})`);
  }
  return true;
}
