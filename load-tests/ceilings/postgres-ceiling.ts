// PostgreSQL ceiling: pgbench running the conditional UPDATE of pg-atomic
// (db/queries/sales.ts sellIfAvailable, without its order insert) on one hot row, with as many
// connections as the API's pool. Every transaction queues on the same row lock,
// which is what a flash sale does to PostgreSQL.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { insertSku, overwriteStock } from '../../db/queries/skus.js';
import type { PostgresCeiling } from '../compare/report-types.js';

const execFileAsync = promisify(execFile);

export interface PostgresCeilingOptions {
  db: Kysely<Database>;
  databaseUrl: string;
  clients: number;
  durationMs: number;
  dir: string;
}

// A SKU of its own, far from the ones k6 creates; stock enough for any run.
const hotSku = 'ceiling-hot-row';
const hotStock = 1_000_000_000;
const updateSql = `UPDATE skus SET stock = stock - 1, version = version + 1 WHERE sku = '${hotSku}' AND stock >= 1 RETURNING stock;\n`;

export async function measurePostgresCeiling(options: PostgresCeilingOptions): Promise<Omit<PostgresCeiling, 'range'>> {
  if (!(await insertSku(options.db, hotSku, hotStock))) await overwriteStock(options.db, hotSku, hotStock, 0);
  const scriptPath = join(options.dir, 'ceiling-postgres.sql');
  writeFileSync(scriptPath, updateSql);
  const url = new URL(options.databaseUrl);
  const seconds = Math.max(1, Math.round(options.durationMs / 1000));
  // -n: no vacuum of pgbench's own tables (there are none); -j: one thread per core, at most one per client.
  const threads = Math.min(options.clients, availableParallelism());
  const args = ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username), '-n', '-c', String(options.clients), '-j', String(threads), '-T', String(seconds), '-f', scriptPath, url.pathname.slice(1)];
  const { stdout } = await execFileAsync('pgbench', args, {
    env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) },
    timeout: options.durationMs + 60_000,
    maxBuffer: 1 << 20,
  });
  const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout)?.[1];
  const latency = /latency average = ([\d.]+) ms/.exec(stdout)?.[1];
  if (tps === undefined || latency === undefined) throw new Error(`unexpected pgbench output: ${stdout.slice(0, 800)}`);
  return {
    tps: Number(tps),
    latencyAvgMs: Number(latency),
    clients: options.clients,
    durationMs: seconds * 1000,
    command: `pgbench -n -c ${options.clients} -j ${threads} -T ${seconds} -f ceiling-postgres.sql  (${updateSql.trim()})`,
  };
}
