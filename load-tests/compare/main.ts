// `npm run compare`: every strategy measured the same way (capacity selling
// and refusing, contention curve, spike), beside the machine's ceilings,
// --repeat times, then the report. The npm script has already brought the
// stack up and migrated the database.
import { idleCommandRate } from './cost.js';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createDb } from '../../db/client.js';
import { type Config, loadConfig, redisClusterUrls, redisUrls } from '../../services/shared/config.js';
import { loadEnv, repoRoot } from '../../services/shared/env-files.js';
import type { Redis } from 'ioredis';
import { createRedis } from '../../services/shared/redis.js';
import { type CompareOptions, parseOptions, spikeWindow, usage } from './args.js';
import { combine, rangesOf } from './aggregate.js';
import { confirmedRate, deriveSpikeRate, strategyResults } from './build-report.js';
import { type NoopServer, nearbyHttpCeiling, startNoopServer, stopNoopServers } from '../ceilings/http-ceiling.js';
import { runChecks } from './checks.js';
import { targetsOf } from './targets.js';
import { curveSvg } from './html/curve-chart.js';
import { htmlCheck } from './html-check.js';
import { killRunningK6 } from './k6.js';
import { describeMachine, unknownMachine } from './machine.js';
import { listStrategies, pickStrategies, runReservations, runWaitingRoom } from './phases.js';
import { reservationCheck, reservationPhase } from './reservations.js';
import { quickWaitingRoomPhase, waitingRoomCheck, waitingRoomPhase } from './waiting-room.js';
import type { Ceilings, Ranges, Report, RunSettings } from './report-types.js';
import { renderHtml } from './render-html.js';
import { renderMarkdown } from './render-markdown.js';
import { type Measurements, type RoundContext, capacityRound, ceilingRound, emptyMeasurements, spikeRound } from './rounds.js';
import { bringUpServices } from './services.js';
import { warmUp } from './warmup.js';
import { measureProcessCounts } from './processes.js';

const resultsRoot = join(repoRoot, 'load-tests', 'results');
// The default: request lines are at debug now (server-options.ts), so info measures what a user runs.
const serverLogLevel = 'info';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The median of each ceiling over the rounds it was measured in, with its range; null when no round measured it. */
function combineCeilings(m: Measurements): Ceilings {
  const one = <T extends object>(runs: T[]): (T & { range: Ranges }) | null => (runs.length === 0 ? null : { ...combine(runs), range: rangesOf(runs) });
  return { http: one(m.ceilings.http), orderRow: one(m.ceilings.orderRow), redis: one(m.ceilings.redis), postgres: one(m.ceilings.postgres) };
}

/** The spike rate: --rate, or derived from the first round's selling capacities of the safe strategies. */
function spikeRateOf(options: CompareOptions, m: Measurements): { rate: number; source: 'option' | 'derived'; reason: string } {
  if (options.spike.rate !== undefined) return { rate: options.spike.rate, source: 'option', reason: `given with --rate ${options.spike.rate}` };
  // What each safe strategy confirmed per second in round 1: an asynchronous one's drain, not its 202s.
  const selling = m.runs
    .filter((r) => r.safe)
    .flatMap((r) => {
      const rate = confirmedRate(r.selling[0], r.async);
      return rate === null ? [] : [rate];
    });
  if (selling.length === 0) throw new Error('no safe strategy has a selling capacity to derive the spike rate from; give --rate');
  const rate = deriveSpikeRate(selling);
  return {
    rate,
    source: 'derived',
    reason: `the median of what the ${selling.length} safe strategies confirmed per second in round 1's selling phase, rounded up to 50/s: about half of them sell more slowly than buyers arrive`,
  };
}

function settingsOf(
  options: CompareOptions,
  strategies: string[],
  spike: { rate: number; source: 'option' | 'derived'; reason: string },
  asyncWorker: 'paused' | 'running',
): RunSettings {
  const window = spikeWindow(options, spike.rate);
  return {
    repeat: options.repeat,
    quick: options.quick,
    strategies,
    capacity: { ...options.capacity, asyncWorker },
    curve: options.curve,
    maxPerUser: options.maxPerUser ?? null,
    spike: {
      stock: options.spike.stock,
      rate: spike.rate,
      rateSource: spike.source,
      rateReason: spike.reason,
      demandFactor: options.spike.demandFactor,
      windowMs: window.windowMs,
      durationMs: options.spike.durationMs,
      purchases: window.plannedPurchases,
      keptUpP95Ms: options.spike.keptUpP95Ms,
    },
  };
}

/** report.html (checked in Chromium with --check-html), curve.svg, then report.json and report.md, which hold every check. */
async function writeReport(dir: string, report: Report, checkHtml: boolean): Promise<string> {
  writeFileSync(join(dir, 'report.html'), renderHtml(report));
  writeFileSync(join(dir, 'curve.svg'), curveSvg(report));
  if (checkHtml) report.checks.push(await htmlCheck(join(dir, 'report.html'), report));
  const markdown = renderMarkdown(report);
  writeFileSync(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(dir, 'report.md'), markdown);
  // load-tests/results/latest: the newest run, for a bookmark or a CI step.
  const latest = join(resultsRoot, 'latest');
  rmSync(latest, { force: true });
  symlinkSync(relative(resultsRoot, dir), latest);
  return markdown;
}

/** The run's plan, in one line before it starts. */
function announce(options: CompareOptions, strategies: number): void {
  say(
    `compare: ${strategies} strategies × ${options.repeat} round(s)${options.quick ? ' (quick)' : ''}: capacity at ${options.capacity.vus} VUs ` +
      `(${options.capacity.durationMs / 1000} s each, selling and refusing), curve at ${options.curve.vus.join('/')} VUs (${options.curve.durationMs / 1000} s each), ` +
      `spike of ${options.spike.stock} units × ${options.spike.demandFactor}; then the ceilings`,
  );
}

/** Every round: capacity, then the spike at the rate round 1 derived, then the ceilings. */
async function measure(ctx: RoundContext): Promise<{ m: Measurements; spike: ReturnType<typeof spikeRateOf>; reservations: Report['reservations']; waitingRoom: Report['waitingRoom'] }> {
  const m = emptyMeasurements(ctx.strategies);
  let spike: ReturnType<typeof spikeRateOf> | undefined;
  for (let round = 1; round <= ctx.options.repeat; round++) {
    await capacityRound(ctx, m, round);
    spike ??= spikeRateOf(ctx.options, m);
    if (round === 1) say(`compare: spike rate ${spike.rate}/s (${spike.reason})`);
    await spikeRound(ctx, m, round, spike.rate);
    await ceilingRound(ctx, m, round, spike.rate, serverLogLevel);
  }
  return { m, spike: spike ?? spikeRateOf(ctx.options, m), reservations: await measureReservations(ctx), waitingRoom: await measureWaitingRoom(ctx, m) };
}

/**
 * The waiting-room scenario, once: the same crowd through the room, then
 * straight at the purchase route, with the safe synchronous strategy (not
 * one that holds) that sold slowest in round 1: where a crowd is likeliest
 * to push a strategy into shedding, and a room to matter.
 */
async function measureWaitingRoom(ctx: RoundContext, m: Measurements): Promise<Report['waitingRoom']> {
  const candidates = m.runs
    .filter((r) => r.safe && !r.async && ctx.strategies.some((s) => s.name === r.strategy && !s.holds))
    .map((r) => ({ name: r.strategy, selling: confirmedRate(r.selling[0], r.async) ?? Number.POSITIVE_INFINITY }))
    .sort((a, b) => a.selling - b.selling);
  const strategy = candidates[0];
  if (strategy === undefined) return null;
  const phase = ctx.options.quick ? quickWaitingRoomPhase : waitingRoomPhase;
  say(`compare: waiting room (${phase.stock * phase.demandFactor} buyers within ${phase.arrivalMs / 1000} s on ${phase.stock} units, ${strategy.name}, admit ${String(phase.admit)}): through the room, then without`);
  const one = async (mode: 'room' | 'direct') => {
    const run = await runWaitingRoom(ctx.target, phase, strategy.name, mode);
    return { digest: run.digest ?? null, failure: run.failure ?? null };
  };
  const room = await one('room');
  return { strategy: strategy.name, room, direct: await one('direct') };
}

/** The reservation scenario, once, when a strategy that holds is among the strategies (the first such). */
async function measureReservations(ctx: RoundContext): Promise<Report['reservations']> {
  const holder = ctx.strategies.find((s) => s.holds);
  if (holder === undefined) return null;
  say(`compare: reservations (${reservationPhase.rate}/s for ${reservationPhase.windowMs / 1000} s on ${reservationPhase.stock} units, holds of ${reservationPhase.holdSeconds} s)`);
  const run = await runReservations(ctx.target, reservationPhase, holder.name);
  return { digest: run.digest ?? null, failure: run.failure ?? null };
}

/** The report of what was measured: settings, the machine, ceilings, results and checks. */
/**
 * With the main Redis on the cluster (REDIS_MAIN=cluster), a connection to
 * each of its masters, as they are now: replicas are left out, since they
 * replay the masters' commands and would count each one twice.
 */
async function clusterMasters(config: Config): Promise<Array<{ port: number; client: Redis }>> {
  const nodes = redisClusterUrls(config).map((url) => ({ port: Number(new URL(url).port), client: createRedis(url, { commandTimeoutMs: 5000, name: 'flash-sale-compare' }) }));
  const roles = await Promise.all(nodes.map(async (node) => (await node.client.info('replication')).includes('role:master')));
  for (const [index, node] of nodes.entries()) if (roles[index] !== true) node.client.disconnect();
  return nodes.filter((_, index) => roles[index] === true);
}

async function buildReport(ctx: RoundContext, startedAt: Date, k6Bin: string, redis: Redis, measured: Awaited<ReturnType<typeof measure>>): Promise<Report> {
  const { options, strategies, db } = ctx;
  const { m, spike, reservations, waitingRoom } = measured;
  const settings = settingsOf(options, strategies.map((s) => s.name), spike, m.asyncWorker);
  const ceilings = combineCeilings(m);
  const results = strategyResults(m.runs, options.curve.vus, ceilings, options.spike.keptUpP95Ms);
  return {
    schemaVersion: 2,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    // The setting that moves the main Redis says so in the command, so a figure is never read as one server's.
    command: [...(loadConfig().REDIS_MAIN === 'cluster' ? ['REDIS_MAIN=cluster'] : []), 'npm run compare', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine: await describeMachine(k6Bin, db, redis).catch((error: unknown) => {
      say(`compare: could not describe the machine: ${error instanceof Error ? error.message : String(error)}`);
      return unknownMachine();
    }),
    settings,
    ceilings,
    strategies: results,
    reservations,
    waitingRoom,
    processes: null,
    targets: targetsOf(results, ceilings),
    checks: [
      ...runChecks({ requested: settings.strategies, results, runs: m.runs, ceilings, curveVus: options.curve.vus, repeat: options.repeat, failures: m.failures }),
      ...reservationCheck({ reservations }, strategies.some((s) => s.holds)),
      ...waitingRoomCheck({ waitingRoom }),
    ],
  };
}

/** Writes and prints the report; 0 when every check passed. */
async function finish(dir: string, report: Report, checkHtml: boolean): Promise<number> {
  const markdown = await writeReport(dir, report, checkHtml);
  say('');
  say(markdown);
  say(`compare: report in ${relative(repoRoot, dir)}/report.html (also report.md, report.json, curve.svg, k6 dashboards of each spike)`);
  const failed = report.checks.filter((check) => !check.ok);
  for (const check of failed) say(`compare: FAILED ${check.name}: ${check.detail}`);
  return failed.length === 0 ? 0 : 1;
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
  // Every Redis of the stack, for the phases' command counts (the first server is `redis`), and
  // with REDIS_MAIN=cluster the cluster's masters, where the main Redis's commands then go.
  const otherRedis = redisUrls(config).slice(1).map((url) => createRedis(url, { commandTimeoutMs: 5000, name: 'flash-sale-compare' }));
  const masters = await clusterMasters(config);
  const disconnectRedis = (): void => {
    for (const client of [redis, ...otherRedis, ...masters.map((master) => master.client)]) client.disconnect();
  };
  const services = await bringUpServices(config, dir, serverLogLevel, options.processes?.[0]).catch(async (error: unknown) => {
    await db.destroy();
    disconnectRedis();
    throw error;
  });
  say(`compare: ${services.description}`);
  // A SIGTERM to this process alone (Ctrl-C reaches the whole group) must not leave our API, worker and no-op servers behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      say(`compare: ${signal}, stopping what it started`);
      // k6 first: it would otherwise go on loading the machine until its phase ends.
      killRunningK6();
      void Promise.all([stopNoopServers(), services.stop()]).finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  let noop: NoopServer | undefined;
  try {
    const strategies = pickStrategies(await listStrategies(services.apiUrl), options.strategies);
    noop = await startNoopServer(dir, serverLogLevel);
    // A fresh Node answers slower until its code is compiled: the first strategy's nearby ceiling came
    // out at 4,348 req/s against 6,510 for the next one. One throwaway second warms it.
    await nearbyHttpCeiling({ k6Bin, dir, url: noop.url, vus: options.capacity.vus, durationMs: 1000, stem: 'http-nearby-warmup', label: 'http ceiling nearby: warm-up' });
    const ctx: RoundContext = {
      target: { k6Bin, dir, apiUrl: services.apiUrl, adminToken: config.ADMIN_TOKEN, settleTimeoutMs: options.settleTimeoutMs, maxPerUser: options.maxPerUser },
      options,
      strategies,
      db,
      databaseUrl: config.DATABASE_URL,
      redisUrl: redisUrls(config)[0] ?? '',
      pgPoolMax: config.PG_POOL_MAX,
      pauseWorker: services.pauseWorker,
      costProbe:
        masters.length === 0
          ? { db, redis: [redis, ...otherRedis], mainRedisPorts: [Number(new URL(redisUrls(config)[0] ?? 'redis://x:6379').port)] }
          : { db, redis: [redis, ...otherRedis, ...masters.map((master) => master.client)], mainRedisPorts: masters.map((master) => master.port) },
      noop,
      say,
    };
    announce(options, strategies.length);
    say('compare: warming up every strategy (30 purchases each on a throwaway SKU, not measured)');
    await warmUp(services.apiUrl, config.ADMIN_TOKEN, strategies.map((s) => s.name));
    // The background loops' Redis commands, taken off each phase's (cost.ts): 3 s with nobody buying.
    ctx.costProbe.idleCommandsPerSecond = await idleCommandRate(ctx.costProbe, 3000);
    say(`compare: the stack's Redis serves ${Math.round(ctx.costProbe.idleCommandsPerSecond)} commands/s with nobody buying (background loops)`);
    const report = await buildReport(ctx, startedAt, k6Bin, redis, await measure(ctx));
    report.processes = await measureProcessCounts(ctx, services, options.processes, report.strategies);
    report.finishedAt = new Date().toISOString();
    return await finish(dir, report, options.checkHtml);
  } finally {
    await noop?.stop();
    await services.stop();
    await db.destroy();
    disconnectRedis();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`compare: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
