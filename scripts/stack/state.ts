import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { repoRoot, stackEnvFile } from '../../services/shared/env-files.js';

/** Everything the stack owns lives here (git-ignored). */
export const stackDir = join(repoRoot, '.stack');
export const stateFile = join(stackDir, 'state.json');
export const logsDir = join(stackDir, 'logs');
export { stackEnvFile };

export interface PortChoice {
  /** The port asked for (default or STACK_* variable). */
  wanted: number;
  /** The port in use: `wanted`, or the next free one when it was busy. */
  chosen: number;
}

export interface StackState {
  /** Keys: postgres, redis-1..3, kafka, kafka-controller, kafka-faults, toxiproxy, toxiproxy-kafka. */
  ports: Record<string, PortChoice>;
  /** Pids of the processes we started, by service name. */
  pids: Record<string, number>;
  /** Password of the `flash_sale` PostgreSQL role; kept across reset. */
  pgPassword: string;
  /** KRaft cluster id the Kafka storage was formatted with. */
  kafkaClusterId: string;
}

export type How = 'started' | 'already running' | 'external' | 'built' | 'already built';

/** One service's result of `up`: printed as exactly one line. */
export interface ServiceLine {
  name: string;
  address: string;
  how: How;
}

export function formatLine(line: ServiceLine, word = 'ready'): string {
  return `${line.name.padEnd(9)} ${word.padEnd(7)} ${line.address}  (${line.how})`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function freshState(): StackState {
  return {
    ports: {},
    pids: {},
    // 18 random bytes in base64url: URL-safe, so DATABASE_URL needs no escaping.
    pgPassword: randomBytes(18).toString('base64url'),
    kafkaClusterId: newClusterId(),
  };
}

/**
 * A KRaft cluster id: 16 random bytes in base64url (22 characters), like
 * `kafka-storage random-uuid`, which also never starts one with '-' (a
 * command line would read it as an option; 1 id in 64 would).
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/** Reads .stack/state.json; a missing or damaged file yields a fresh state. */
export function loadState(): StackState {
  const state = freshState();
  if (!existsSync(stateFile)) return state;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    process.stderr.write(`stack: ${stateFile} is not valid JSON; starting from a fresh state\n`);
    return state;
  }
  if (!isRecord(parsed)) return state;
  if (typeof parsed.pgPassword === 'string' && parsed.pgPassword.length > 0) state.pgPassword = parsed.pgPassword;
  if (typeof parsed.kafkaClusterId === 'string' && parsed.kafkaClusterId.length === 22) {
    state.kafkaClusterId = parsed.kafkaClusterId;
  }
  if (isRecord(parsed.ports)) {
    for (const [name, value] of Object.entries(parsed.ports)) {
      if (isRecord(value) && Number.isInteger(value.wanted) && Number.isInteger(value.chosen)) {
        state.ports[name] = { wanted: Number(value.wanted), chosen: Number(value.chosen) };
      }
    }
  }
  if (isRecord(parsed.pids)) {
    for (const [name, value] of Object.entries(parsed.pids)) {
      if (typeof value === 'number' && Number.isInteger(value) && value > 0) state.pids[name] = value;
    }
  }
  return state;
}

/** Writes `content` only when it differs, so a no-op `up` changes no file. */
export function writeIfChanged(path: string, content: string, mode = 0o644): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  mkdirSync(dirname(path), { recursive: true });
  // Write then rename: a concurrent reader never sees half a file.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
  return true;
}

export function saveState(state: StackState): void {
  // 0600: the file holds the database password.
  writeIfChanged(stateFile, `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** Writes .stack/stack.env, the addresses the API and tests read. */
export function writeStackEnv(values: Record<string, string>): void {
  const lines = ['# Written by `npm run stack:up` (scripts/stack/cli.ts). Do not edit; delete to regenerate.'];
  for (const [key, value] of Object.entries(values)) lines.push(`${key}=${value}`);
  writeIfChanged(stackEnvFile, `${lines.join('\n')}\n`, 0o600);
}

/** Replaces the password in a URL by ****, for printing. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '****';
    return parsed.toString();
  } catch {
    return url;
  }
}
