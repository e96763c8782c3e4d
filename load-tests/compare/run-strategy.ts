// One strategy under the flash-sale scenario: its k6 run, summary and
// dashboard export in the results folder. Also which strategies to run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareOptions } from './args.js';
import type { FlashSaleDigest } from './build-report.js';
import { runK6 } from './k6.js';

/** The strategies the API serves, in its order: the default set of a run. */
export async function listStrategies(apiUrl: string): Promise<string[]> {
  const res = await fetch(`${apiUrl}/v1/strategies`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET /v1/strategies answered ${res.status}`);
  return ((await res.json()) as Array<{ name: string }>).map((strategy) => strategy.name);
}

export function pickStrategies(known: string[], wanted: string[] | undefined): string[] {
  if (wanted === undefined) return known;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown strategy: ${unknown.join(', ')} (the API knows ${known.join(', ')})`);
  return wanted;
}

export interface StrategyRun {
  digest: FlashSaleDigest | undefined;
  exitCode: number;
  dashboard: string | null;
}

export async function runStrategy(k6Bin: string, dir: string, label: string, strategy: string, apiUrl: string, adminToken: string, options: CompareOptions): Promise<StrategyRun> {
  const summaryPath = join(dir, `${strategy}.json`);
  const dashboard = `${strategy}.dashboard.html`;
  const exitCode = await runK6(k6Bin, {
    label,
    script: 'load-tests/k6/flash-sale.ts',
    env: {
      API_URL: apiUrl,
      ADMIN_TOKEN: adminToken,
      STRATEGY: strategy,
      STOCK: String(options.stock),
      RATE: String(options.rate),
      DURATION: `${options.durationMs}ms`,
      DEMAND_FACTOR: String(options.demandFactor),
      SETTLE_TIMEOUT: `${options.settleTimeoutMs}ms`,
    },
    summaryPath,
    dashboardPath: join(dir, dashboard),
    logFile: join(dir, `${strategy}.k6.log`),
    // Window + setup + requests still in flight (30 s timeout) + settling + summary.
    timeoutMs: options.durationMs + options.settleTimeoutMs + 180_000,
  });
  let digest: FlashSaleDigest | undefined;
  try {
    digest = JSON.parse(readFileSync(summaryPath, 'utf8')) as FlashSaleDigest;
  } catch {
    digest = undefined; // setup() failed or k6 was killed: reported as missing
  }
  // k6 skips the export when a run is too short to chart.
  return { digest, exitCode, dashboard: existsSync(join(dir, dashboard)) ? dashboard : null };
}
