// `npm run compare`: every strategy under the same k6 flash-sale load, one
// after the other, then the machine's ceilings, then the report. The npm
// script has already brought the stack up and migrated the database.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb } from '../../db/client.js';
import { loadConfig, redisUrls } from '../../services/shared/config.js';
import { loadEnv, repoRoot } from '../../services/shared/env-files.js';
import { createRedis } from '../../services/shared/redis.js';
import { measureHttpCeiling } from '../ceilings/http-ceiling.js';
import { measurePostgresCeiling } from '../ceilings/postgres-ceiling.js';
import { measureRedisCeiling } from '../ceilings/redis-ceiling.js';
import { arrivalWindowOf, parseOptions, usage } from './args.js';
import { type FlashSaleDigest, strategyResult } from './build-report.js';
import { runChecks } from './checks.js';
import { describeMachine, unknownMachine } from './machine.js';
import type { Ceilings, Report, StrategyResult } from './report-types.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { htmlCheck } from './html-check.js';
import { listStrategies, pickStrategies, runStrategy, type StrategyRun } from './run-strategy.js';
import { bringUpServices } from './services.js';
import { warmUp } from './warmup.js';

const resultsRoot = join(repoRoot, 'load-tests', 'results');
// Request logs of thousands of purchases would cost the API more CPU than some strategies do.
const serverLogLevel = 'warn';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
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
    const plan = arrivalWindowOf(options);
    const strategies = pickStrategies(await listStrategies(services.apiUrl), options.strategies);
    say(
      `compare: ${strategies.length} strategies × ${plan.plannedPurchases} purchases of ${options.stock} units ` +
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
        purchases: plan.plannedPurchases,
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
