// `npm run faults`: every scenario against every strategy it applies to, each
// on a fresh SKU with a client-side ledger, then report.json and report.md.
// The npm script has already brought the stack up (toxiproxy included) and
// migrated the database.
import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createDb } from '../../db/client.js';
import { loadConfig } from '../../services/shared/config.js';
import { repoRoot } from '../../services/shared/env-files.js';
import { AdminClient, type StrategyInfo } from './admin.js';
import { type FaultOptions, parseOptions, usage } from './args.js';
import { Cleanups } from './cleanup.js';
import { raiseRunnerPriority } from './priority.js';
import { ServiceProcess, apiSpec } from './processes.js';
import { type FaultReport, renderTable, scenarioList, summarize, writeReport } from './report.js';
import { type RunResult, type Shared, runOne } from './run.js';
import { type Scenario, pickScenarios, proxyName, scenarios as allScenarios, needsWorker } from './scenarios.js';
import { adminApiPort, freePorts, startServices } from './services.js';
import { StackControl } from './stack-control.js';
import { Toxiproxy } from './toxiproxy.js';

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** The strategies a scenario runs: listed by the API, applicable, asked for, and in the quick subset with --quick. */
function strategiesFor(scenario: Scenario, listed: StrategyInfo[], options: FaultOptions): StrategyInfo[] {
  const applicable = listed.filter((s) => scenario.appliesTo(s) && (options.strategies === undefined || options.strategies.includes(s.name)));
  if (!options.quick || options.strategies !== undefined) return applicable;
  const picked = new Set(scenario.quick.flatMap((pick) => applicable.find(pick) ?? []));
  return applicable.filter((s) => picked.has(s));
}

/** An API outside the faults for SKU creation, audits and order polls: direct connections, no hold point; `env` as the scenario's APIs have it. */
async function startAdminApi(name: string, env: Record<string, string>, logsDir: string, cleanups: Cleanups): Promise<{ admin: AdminClient; stop: () => Promise<void> }> {
  const [port] = await freePorts(1, adminApiPort);
  const api = new ServiceProcess(apiSpec(name, port ?? adminApiPort, env, logsDir));
  const stop = cleanups.add(`stop ${name}`, () => api.stop());
  await api.start();
  return { admin: new AdminClient(() => `http://127.0.0.1:${port ?? adminApiPort}`, loadConfig().ADMIN_TOKEN), stop };
}

async function runScenario(scenario: Scenario, strategies: StrategyInfo[], sharedByAll: Shared, logsDir: string): Promise<RunResult[]> {
  const results: RunResult[] = [];
  // A scenario with env of its own (the main Redis on the cluster) audits through an API that sees what its APIs see.
  const ownAdmin = scenario.env === undefined ? undefined : await startAdminApi(`api-admin-${scenario.name}`, scenario.env, logsDir, sharedByAll.cleanups);
  const shared: Shared = ownAdmin === undefined ? sharedByAll : { ...sharedByAll, admin: ownAdmin.admin };
  try {
    results.push(...(await runGroups(scenario, strategies, shared, logsDir)));
  } finally {
    await ownAdmin?.stop();
  }
  return results;
}

async function runGroups(scenario: Scenario, strategies: StrategyInfo[], shared: Shared, logsDir: string): Promise<RunResult[]> {
  const results: RunResult[] = [];
  const needWorker = strategies.some(needsWorker);
  const groups = scenario.freshServicesPerRun === true ? strategies.map((s) => [s]) : [strategies];
  for (const group of groups) {
    const tag = scenario.freshServicesPerRun === true ? `-${group[0]?.name ?? ''}` : '';
    let services: Awaited<ReturnType<typeof startServices>> | undefined;
    try {
      services = await startServices({ scenario, needWorker, logsDir, stack: shared.stack, toxiproxy: shared.toxiproxy, cleanups: shared.cleanups, tag });
      for (const strategy of group) {
        say(`faults: ${scenario.name} × ${strategy.name}`);
        const result = await runOne(scenario, strategy, services, shared);
        const failed = result.verdict === 'error' ? ` (${result.error ?? ''})` : result.failed.length > 0 ? ` (${result.failed.join(', ')})` : '';
        say(`faults: ${scenario.name} × ${strategy.name}: ${result.verdict.toUpperCase()}${failed} in ${(result.durationMs / 1000).toFixed(1)} s`);
        results.push(result);
      }
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error);
      say(`faults: ${scenario.name}: could not start its services: ${message}`);
      for (const strategy of group.filter((s) => !results.some((r) => r.strategy === s.name))) {
        results.push({ scenario: scenario.name, strategy: strategy.name, verdict: 'error', failed: [], checks: [], measures: null, facts: {}, notes: [], sku: '', durationMs: 0, error: message });
      }
    } finally {
      await services?.stop();
    }
  }
  return results;
}

async function main(): Promise<number> {
  const parsed = parseOptions(process.argv.slice(2));
  if (parsed === 'help') {
    say(`${usage}\n\nScenarios:\n${allScenarios.map((s) => `  ${s.name.padEnd(18)} ${s.what}${s.quick.length > 0 ? ` (quick: ${s.quick.join(', ')})` : ''}`).join('\n')}`);
    return 0;
  }
  const options = parsed;
  const runner = raiseRunnerPriority();
  say(`faults: ${runner}`);
  const scenarios = pickScenarios(options.scenarios);
  const startedAt = new Date();
  const config = loadConfig();
  const dir = join(repoRoot, 'load-tests', 'results', `faults-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  const logsDir = join(dir, 'logs');
  mkdirSync(logsDir, { recursive: true });
  say(`faults: results in ${relative(repoRoot, dir)}/`);

  const cleanups = new Cleanups();
  const stack = new StackControl();
  const toxiproxy = new Toxiproxy(stack.toxiproxyUrl());
  await toxiproxy.version().catch((error: unknown) => {
    throw new Error(`toxiproxy does not answer at ${stack.toxiproxyUrl()} (${String(error)}): run npm run stack:up`);
  });
  // Proxies an interrupted run may have left (ours only, by name).
  for (const store of ['postgres', 'redis', 'kafka'] as const) await toxiproxy.deleteProxy(proxyName(store));
  // pool of 2, 60 s statements: the runner reads the orders once per run, after recovery.
  const db = createDb({ connectionString: config.DATABASE_URL, poolMax: 2, acquireTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: 'flash-sale-faults' });

  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      interrupted = true;
      say(`faults: ${signal}: undoing every fault still in place and stopping what the run started`);
      void cleanups.runAll(say).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  const results: RunResult[] = [];
  let stopAdmin: (() => Promise<void>) | undefined;
  try {
    const { admin, stop } = await startAdminApi('api-admin', {}, logsDir, cleanups);
    stopAdmin = stop;
    const shared: Shared = { options, stack, toxiproxy, cleanups, admin, db, say };
    const listed = await admin.strategies();
    const unknown = options.strategies?.filter((name) => !listed.some((s) => s.name === name)) ?? [];
    if (unknown.length > 0) throw new Error(`unknown strateg(ies) ${unknown.join(', ')}; the API lists ${listed.map((s) => s.name).join(', ')}`);
    for (const scenario of scenarios) {
      if (interrupted) break;
      const strategies = strategiesFor(scenario, listed, options);
      if (strategies.length === 0) continue;
      say(`faults: scenario ${scenario.name}: ${scenario.what} (${strategies.map((s) => s.name).join(', ')})`);
      results.push(...(await runScenario(scenario, strategies, shared, logsDir)));
    }
  } finally {
    await cleanups.runAll(say);
    await stopAdmin?.();
    await db.destroy();
  }
  const finishedAt = new Date();
  const report: FaultReport = {
    schemaVersion: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    command: ['npm run faults', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    quick: options.quick,
    runner,
    scenarios: scenarioList(scenarios.filter((s) => results.some((r) => r.scenario === s.name))),
    results,
    summary: summarize(results),
  };
  const markdown = writeReport(dir, report);
  say('');
  say(renderTable(results));
  say('');
  say(markdown.slice(markdown.indexOf('## Failed checks')));
  say(`faults: ${report.summary.pass} pass, ${report.summary.fail} fail, ${report.summary.error} error, ${report.summary.reported} reported (unsafe baseline) in ${Math.round(report.durationS)} s; report in ${relative(repoRoot, dir)}/report.md`);
  return report.summary.fail + report.summary.error > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`faults: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
