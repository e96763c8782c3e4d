// Redis ceiling: redis-benchmark running the project's own deduct-stock Lua
// script (EVALSHA, the call redis-lua makes) on one hot stock key of the main
// Redis. Each call gets its own deduction marker (__rand_int__), so the script
// takes the full path: check marker, read stock, name the units, DECRBY, SET
// marker, add to the ledger (a ledger of its own, which no reconciler reads).
import { execFile } from 'node:child_process';
import { luaScripts } from '../../services/strategies/common/redis-scripts.js';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import type { RedisCeiling } from '../compare/report-types.js';

const execFileAsync = promisify(execFile);

export interface RedisCeilingOptions {
  redisUrl: string;
  clients: number;
  requests: number;
}

// The deduct script as the service loads it (found by its command name, wherever its strategy keeps it).
function deductScript(): string {
  const script = luaScripts().find((candidate) => candidate.command === 'deductStock');
  if (script === undefined) throw new Error('no deduct-stock-<keys>.lua under services/strategies/');
  return script.lua;
}
// Keys of their own (hash tag as the strategy's), never a real SKU's; markers expire after a minute.
const stockKey = 'fsi:{ceiling}:stock';
const markerKey = 'fsi:{ceiling}:deduction:__rand_int__';
const returnedKey = 'fsi:{ceiling}:returned-units';
const ledgerKey = 'fsi:{ceiling}:deductions';

/** redis-benchmark --csv: a header line, then "name","rps","avg","min","p50","p95","p99","max". */
function parseCsv(output: string): { rps: number; p50: number; p95: number; p99: number; max: number } {
  const rows = output
    .trim()
    .split('\n')
    .map((line) => line.split(',').map((cell) => cell.replace(/"/g, '')));
  const header = rows.find((row) => row[0] === 'test');
  const data = rows.find((row) => row[0] !== 'test' && row.length >= 8);
  if (header === undefined || data === undefined) throw new Error(`unexpected redis-benchmark output: ${output.slice(0, 500)}`);
  const col = (name: string): number => Number(data[header.indexOf(name)]);
  return { rps: col('rps'), p50: col('p50_latency_ms'), p95: col('p95_latency_ms'), p99: col('p99_latency_ms'), max: col('max_latency_ms') };
}

export async function measureRedisCeiling(options: RedisCeilingOptions): Promise<Omit<RedisCeiling, 'range'>> {
  const url = new URL(options.redisUrl);
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    const sha = String(await redis.script('LOAD', deductScript()));
    // Far more stock than any run can take: every call decrements.
    await redis.set(stockKey, 1_000_000_000);
    const args = [
      '-h', url.hostname, '-p', url.port || '6379',
      ...(url.password !== '' ? ['-a', decodeURIComponent(url.password)] : []),
      '-c', String(options.clients), '-n', String(options.requests), '-r', '100000000', '--csv',
      'EVALSHA', sha, '4', stockKey, markerKey, returnedKey, ledgerKey, '1', 'ceiling-order', '60000', 'ceiling __rand_int__',
    ];
    const { stdout } = await execFileAsync('redis-benchmark', args, { timeout: 120_000, maxBuffer: 1 << 20 });
    const parsed = parseCsv(stdout);
    // redis-benchmark counts error replies (NOSCRIPT, WRONGTYPE) as done: the
    // stock must show that the script really ran (a rare repeated marker skips it).
    const taken = 1_000_000_000 - Number(await redis.get(stockKey));
    if (taken < options.requests * 0.99) {
      throw new Error(`the deduct script ran ${taken} times out of ${options.requests} requests; redis-benchmark saw errors`);
    }
    return {
      opsPerSecond: parsed.rps,
      latencyMs: { count: options.requests, p50: parsed.p50, p95: parsed.p95, p99: parsed.p99, max: parsed.max },
      clients: options.clients,
      requests: options.requests,
      command: `redis-benchmark -c ${options.clients} -n ${options.requests} -r 100000000 EVALSHA <deduct-stock-4.lua> 4 ${stockKey} ${markerKey} ${returnedKey} ${ledgerKey} 1 ceiling-order 60000 'ceiling __rand_int__'`,
    };
  } finally {
    await redis.del(stockKey, returnedKey, ledgerKey).catch(() => undefined);
    redis.disconnect();
  }
}
