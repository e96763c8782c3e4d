// `npm run compare`: every strategy under the same k6 flash-sale load, one
// after the other, then the machine's ceilings, then the report. The npm
// script has already brought the stack up and migrated the database.
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb } from '../../db/client.js';
import { loadConfig, redisUrls } from '../../services/shared/config.js';
import { loadEnv, repoRoot } from '../../services/shared/env-files.js';
import { createRedis } from '../../services/shared/redis.js';
import { measureHttpCeiling } from '../ceilings/http-ceiling.js';
import { measurePostgresCeiling } from '../ceilings/postgres-ceiling.js';
import { measureRedisCeiling } from '../ceilings/redis-ceiling.js';
import { type CompareOptions, arrivalWindow, parseOptions, usage } from './args.js';
import { type FlashSaleDigest, strategyResult } from './build-report.js';
import { runChecks } from './checks.js';
import { runK6 } from './k6.js';
import { describeMachine, unknownMachine } from './machine.js';
import type { Ceilings, Check, Report, StrategyResult } from './report-types.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { inspectReportHtml } from './inspect-html.js';
import { bringUpServices } from './services.js';
import { warmUp } from './warmup.js';

const resultsRoot = join(repoRoot, 'load-tests', 'results');
// Request logs of thousands of purchases would cost the API more CPU than some strategies do.
const serverLogLevel = 'warn';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function listStrategies(apiUrl: string): Promise<string[]> {
  const res = await fetch(`${apiUrl}/v1/strategies`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET /v1/strategies answered ${res.status}`);
  return ((await res.json()) as Array<{ name: string }>).map((strategy) => strategy.name);
}

function pickStrategies(known: string[], wanted: string[] | undefined): string[] {
  if (wanted === undefined) return known;
  const unknown = wanted.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new Error(`unknown strategy: ${unknown.join(', ')} (the API knows ${known.join(', ')})`);
  return wanted;
}

interface StrategyRun {
  digest: FlashSaleDigest | undefined;
  exitCode: number;
  dashboard: string | null;
}

async function runStrategy(k6Bin: string, dir: string, label: string, strategy: string, apiUrl: string, adminToken: string, options: CompareOptions): Promise<StrategyRun> {
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

/** Runs one ceiling; a failure leaves it null (the checks then fail) but not the whole run. */
async function ceiling<T>(name: string, failures: Map<string, string>, measure: () => Promise<T>): Promise<T | null> {
  try {
    return await measure();
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    failures.set(`ceiling:${name}`, message.split('\n')[0] ?? message);
    say(`  ceiling ${name} failed: ${message}`);
    return null;
  }
}

/** The charts report.html must show (data-chart names, see html/charts.ts). */
const expectedCharts = ['throughput', 'confirmed-throughput', 'latency', 'oversold', 'sellout'];

/** Opens report.html in headless Chromium: every strategy and chart, no console error, no request off the file. */
async function htmlCheck(htmlPath: string, strategies: string[]): Promise<Check> {
  const name = 'report.html renders in Chromium';
  try {
    const seen = await inspectReportHtml(htmlPath);
    const missing = [...strategies.filter((s) => !seen.strategies.includes(s)), ...expectedCharts.filter((c) => !seen.charts.includes(c)).map((c) => `chart ${c}`)];
    const problems = [...seen.consoleErrors, ...seen.failedRequests];
    return {
      name,
      ok: missing.length === 0 && problems.length === 0,
      detail:
        `${seen.strategies.length} strategies, charts: ${seen.charts.join(', ')}` +
        `${missing.length > 0 ? `; missing ${missing.join(', ')}` : ''}${problems.length > 0 ? `; errors: ${problems.join(' | ')}` : ''}`,
    };
  } catch (error: unknown) {
    return { name, ok: false, detail: error instanceof Error ? error.message : String(error) };
  }
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    say(usage);
    return 0;
  }
  const options = parsed;
  const startedAt = new Date();
  const config = loadConfig();
  const k6Bin = loadEnv().K6_BIN ?? 'k6';
  const dir = join(resultsRoot, startedAt.toISOString().replace(/[:.]/g, '-'));
  mkdirSync(dir, { recursive: true });
  say(`compare: results in ${relative(repoRoot, dir)}/`);

  // Clients first: nothing can throw between starting the API and worker and the try that stops them.
  const db = createDb({ connectionString: config.DATABASE_URL, poolMax: 2, acquireTimeoutMs: 5000, statementTimeoutMs: 60_000, applicationName: 'flash-sale-compare' });
  const redis = createRedis(redisUrls(config)[0] ?? '', { commandTimeoutMs: 5000, name: 'flash-sale-compare' });
  const services = await bringUpServices(config, dir, serverLogLevel).catch(async (error: unknown) => {
    await db.destroy();
    redis.disconnect();
    throw error;
  });
  say(`compare: ${services.description}`);
  // A SIGTERM to this process alone (Ctrl-C reaches the whole group) must not leave our API and worker behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`compare: ${signal}, stopping what it started`);
      void services.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    const plan = arrivalWindow(options);
    const strategies = pickStrategies(await listStrategies(services.apiUrl), options.strategies);
    say(
      `compare: ${strategies.length} strategies × ${plan.purchases} purchases of ${options.stock} units ` +
        `at ${options.rate}/s over ${(plan.windowMs / 1000).toFixed(1)} s${options.quick ? ' (quick)' : ''}, one after the other; then the ceilings`,
    );

    say('compare: warming up every strategy (30 purchases each on a throwaway SKU, not measured)');
    await warmUp(services.apiUrl, config.ADMIN_TOKEN, strategies);

    const failures = new Map<string, string>();
    const runs: Array<{ strategy: string; run: StrategyRun }> = [];
    for (const [index, strategy] of strategies.entries()) {
      const run = await runStrategy(k6Bin, dir, `[${index + 1}/${strategies.length}] ${strategy.padEnd(14)}`, strategy, services.apiUrl, config.ADMIN_TOKEN, options);
      if (run.digest === undefined) failures.set(strategy, `k6 exit ${run.exitCode}, no summary; see ${strategy}.k6.log`);
      runs.push({ strategy, run });
      // A breath between strategies: the previous one's connections and settling must not load the next.
      await sleep(1000);
    }

    // Ceilings after the strategies, so their dead rows and keys cannot slow a strategy down.
    const ceilings: Ceilings = {
      http: await ceiling('http', failures, () =>
        measureHttpCeiling({
          k6Bin,
          dir,
          logLevel: serverLogLevel,
          stock: options.stock,
          rate: options.rate,
          demandFactor: options.demandFactor,
          durationMs: options.durationMs,
          vus: options.ceiling.vus,
          maxDurationMs: options.ceiling.httpMs,
        }),
      ),
      redis: await ceiling('redis', failures, async () => {
        say('  ceiling redis: redis-benchmark EVALSHA deduct-stock-2.lua …');
        return measureRedisCeiling({ redisUrl: redisUrls(config)[0] ?? '', clients: 50, requests: options.ceiling.redisRequests });
      }),
      postgres: await ceiling('postgres', failures, async () => {
        say('  ceiling postgres: pgbench conditional UPDATE on one hot row …');
        return measurePostgresCeiling({ db, databaseUrl: config.DATABASE_URL, clients: config.PG_POOL_MAX, durationMs: options.ceiling.pgMs, dir });
      }),
    };

    const results: StrategyResult[] = runs
      .filter((entry) => entry.run.digest !== undefined)
      .map((entry) => strategyResult(entry.run.digest as FlashSaleDigest, { k6ExitCode: entry.run.exitCode, dashboard: entry.run.dashboard }, ceilings));
    const report: Report = {
      schemaVersion: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      command: ['npm run compare', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
      machine: await describeMachine(k6Bin, db, redis).catch((error: unknown) => {
        say(`compare: could not describe the machine: ${error instanceof Error ? error.message : String(error)}`);
        return unknownMachine();
      }),
      settings: {
        stock: options.stock,
        rate: options.rate,
        durationMs: options.durationMs,
        windowMs: plan.windowMs,
        purchases: plan.purchases,
        demandFactor: options.demandFactor,
        quick: options.quick,
        strategies,
      },
      ceilings,
      strategies: results,
      checks: runChecks(strategies, results, ceilings, failures),
    };

    writeFileSync(join(dir, 'report.html'), renderHtml(report));
    if (options.checkHtml) report.checks.push(await htmlCheck(join(dir, 'report.html'), strategies));
    // JSON and markdown last, so they hold every check the exit code is based on.
    const markdown = renderMarkdown(report);
    writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, 'report.md'), markdown);
    // load-tests/results/latest: the newest run, for a bookmark or a CI step.
    const latest = join(resultsRoot, 'latest');
    rmSync(latest, { force: true });
    symlinkSync(relative(resultsRoot, dir), latest);

    say('');
    say(markdown);
    say(`compare: report in ${relative(repoRoot, dir)}/report.html (also report.md, report.json, <strategy>.dashboard.html)`);
    const failed = report.checks.filter((check) => !check.ok);
    for (const check of failed) say(`compare: FAILED ${check.name}: ${check.detail}`);
    return failed.length === 0 ? 0 : 1;
  } finally {
    await services.stop();
    await db.destroy();
    redis.disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`compare: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
