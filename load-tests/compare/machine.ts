// What the run was measured on, for the report header: a figure without its
// machine cannot be compared with anyone else's.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { promisify } from 'node:util';
import { type Kysely, sql } from 'kysely';
import type { Redis } from 'ioredis';
import type { Database } from '../../db/schema.js';
import { KAFKA_VERSION } from '../../scripts/stack/kafka-install.js';
import type { Machine } from './report-types.js';

const execFileAsync = promisify(execFile);

function osName(): string {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? process.platform;
  } catch {
    return process.platform;
  }
}

async function k6Version(k6Bin: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync(k6Bin, ['version'], { timeout: 10_000 });
    return /v\d+\.\d+\.\d+/.exec(stdout)?.[0] ?? stdout.trim();
  } catch {
    return 'unknown';
  }
}

export async function describeMachine(k6Bin: string, db: Kysely<Database>, redis: Redis): Promise<Machine> {
  const pg = await sql<{ v: string }>`select current_setting('server_version') as v`.execute(db);
  const info = await redis.info('server');
  return {
    ...unknownMachine(),
    k6: await k6Version(k6Bin),
    postgres: pg.rows[0]?.v ?? 'unknown',
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
  };
}

/** When PostgreSQL or Redis would not say their versions: the report is still written. */
export function unknownMachine(): Machine {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: osName(),
    node: process.version,
    k6: 'unknown',
    postgres: 'unknown',
    redis: 'unknown',
    kafka: KAFKA_VERSION,
  };
}
