// The measuring itself, one round per --repeat: every strategy's capacity
// phases and curve, then (the rate being known) every strategy's spike, then
// the ceilings. Strategies run one after the other, never together: they
// share two cores with k6 and the stores.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { measureHttpCeiling, measureOrderRowCeiling, nearbyHttpCeiling, type NoopServer } from '../ceilings/http-ceiling.js';
import { measurePostgresCeiling } from '../ceilings/postgres-ceiling.js';
import { measureRedisCeiling } from '../ceilings/redis-ceiling.js';
import type { CompareOptions } from './args.js';
import { spikeWindow } from './args.js';
import type { StrategyRuns } from './build-report.js';
import { type CapacityDigest, type StrategyInfo, type Target, runCapacity, runSpike } from './phases.js';
import type { HttpCeiling, OrderRowCeiling, PostgresCeiling, RedisCeiling } from './report-types.js';
import { type CostProbe, costBetween, sampleCost } from './cost.js';
import { hotRowUpdates } from './hot-row.js';

export interface Measurements {
  runs: StrategyRuns[];
  /** Each round's ceilings; their ranges are added when the rounds are combined. */
  ceilings: { http: Array<Omit<HttpCeiling, 'range'>>; orderRow: Array<Omit<OrderRowCeiling, 'range'>>; redis: Array<Omit<RedisCeiling, 'range'>>; postgres: Array<Omit<PostgresCeiling, 'range'>> };
  /** Why a phase or ceiling has no figures, by strategy or `ceiling:name`. */
  failures: Map<string, string>;
  /** Whether every asynchronous selling phase ran with the worker paused (see RunSettings.capacity). */
  asyncWorker: 'paused' | 'running';
}

export interface RoundContext {
  target: Target;
  options: CompareOptions;
  strategies: StrategyInfo[];
  db: Kysely<Database>;
  databaseUrl: string;
  redisUrl: string;
  pgPoolMax: number;
  /** Stops the worker and returns what resumes it; undefined when it cannot (see RunningServices). */
  pauseWorker: () => (() => void) | undefined;
  /** Where each phase's cost is read (cost.ts). */
  costProbe: CostProbe;
  /** The no-op server of the short HTTP ceiling measured before each strategy's capacity phases. */
  noop: NoopServer;
  say: (line: string) => void;
}

// A breath between phases: the previous one's connections and settling must not load the next.
const pauseMs = 250;

export function emptyMeasurements(strategies: StrategyInfo[]): Measurements {
  return {
    runs: strategies.map((s) => ({ strategy: s.name, async: s.async, safe: s.safe, decidesIn: s.decidesIn, decidesPer: s.decidesPer, locksIn: s.locksIn, selling: [], refusing: [], curve: new Map(), spike: [], cost: { selling: [], refusing: [], spike: [] }, httpNearby: [] })),
    ceilings: { http: [], orderRow: [], redis: [], postgres: [] },
    failures: new Map(),
    asyncWorker: 'paused',
  };
}

function note(m: Measurements, key: string, failure: string | undefined): void {
  if (failure !== undefined) m.failures.set(key, failure);
}

/** Selling and refusing capacity, then the contention curve, strategy by strategy. */
export async function capacityRound(ctx: RoundContext, m: Measurements, round: number): Promise<void> {
  const { options } = ctx;
  for (const [index, strategy] of ctx.strategies.entries()) {
    const runs = m.runs[index] as StrategyRuns;
    const tag = `r${round} ${index + 1}/${ctx.strategies.length} ${strategy.name}`;
    // The machine's HTTP ceiling right now: the capacity ratios are taken against it, not against one
    // measured at the run's end (a noisy moment there skewed every ratio of a run).
    try {
      runs.httpNearby.push(
        await nearbyHttpCeiling({ k6Bin: ctx.target.k6Bin, dir: ctx.target.dir, url: ctx.noop.url, vus: options.capacity.vus, durationMs: options.ceiling.nearbyHttpMs, stem: `${strategy.name}.r${round}.http-nearby`, label: `[${tag}] http ceiling nearby` }),
      );
    } catch (error: unknown) {
      note(m, strategy.name, `http ceiling nearby: ${error instanceof Error ? error.message : String(error)}`);
    }
    // Refusing first, on the machine the nearby ceiling just measured: after a selling phase the
    // work its abandoned requests left runs on (etcd-lock's queued lock requests: etcd spent 3.2 ms
    // of CPU a sale, and the refusals measured right after came out at 0.45x the ceiling, in the
    // fresh-clone CI at 83db49f), and the refusal figure is the refusal path's, not that backlog's.
    const phases: Array<{ key: string; mode: 'selling' | 'refusing'; vus: number; durationMs: number; into: (d: CapacityDigest) => void }> = [
      { key: 'refusing', mode: 'refusing', ...options.capacity, into: (d) => runs.refusing.push(d) },
      { key: 'selling', mode: 'selling', ...options.capacity, into: (d) => runs.selling.push(d) },
      ...options.curve.vus.map((vus) => ({
        key: `curve${vus}`,
        mode: 'selling' as const,
        vus,
        durationMs: options.curve.durationMs,
        into: (d: CapacityDigest) => runs.curve.set(vus, [...(runs.curve.get(vus) ?? []), d]),
      })),
    ];
    for (const phase of phases) {
      // An asynchronous strategy's selling phase measures its two halves apart, as they would run
      // on their own machines: the front door with the worker stopped, then (the load over) the
      // worker draining the backlog. Beside each other on these two cores, each takes the other's CPU.
      const resume = strategy.async && phase.key === 'selling' ? ctx.pauseWorker() : undefined;
      if (strategy.async && phase.key === 'selling' && resume === undefined) m.asyncWorker = 'running';
      // The capacity phases' cost: the whole k6 run (its setup and settling too, a few requests beside thousands).
      const costed = phase.key === 'selling' || phase.key === 'refusing' ? phase.key : undefined;
      const before = costed === undefined ? undefined : await sampleCost(ctx.costProbe).catch(() => undefined);
      const run = await runCapacity(ctx.target, {
        name: `${strategy.name}.r${round}.${phase.key}`,
        label: `[${tag}] ${phase.key.padEnd(9)} ${String(phase.vus).padStart(3)} VUs`,
        strategy: strategy.name,
        mode: phase.mode,
        vus: phase.vus,
        durationMs: phase.durationMs,
        onScenarioEnd: resume,
      }).finally(resume);
      if (run.digest !== undefined) phase.into(run.digest);
      if (costed !== undefined && before !== undefined && run.digest !== undefined) {
        const after = await sampleCost(ctx.costProbe).catch(() => undefined);
        const cost = after === undefined ? null : costBetween(before, after, run.digest.answered, ctx.costProbe.idleCommandsPerSecond);
        const sales = run.digest.outcomes.confirmed + run.digest.outcomes.pending;
        if (cost !== null) runs.cost[costed].push({ ...cost, salesPerAnswer: sales / cost.answers, hotRowUpdatesPerAnswer: await hotRowUpdates(ctx.db, run.digest.sku, run.digest.answered) });
      }
      note(m, strategy.name, run.failure === undefined ? undefined : `${phase.key}: ${run.failure}`);
      await sleep(pauseMs);
    }
  }
}

export async function spikeRound(ctx: RoundContext, m: Measurements, round: number, rate: number): Promise<void> {
  const window = spikeWindow(ctx.options, rate);
  for (const [index, strategy] of ctx.strategies.entries()) {
    const runs = m.runs[index] as StrategyRuns;
    // The spike's cost: a sale to its sell-out and the refusals after it, where a strategy that splits
    // the stock pays its probing (the last units are in few buckets).
    const before = await sampleCost(ctx.costProbe).catch(() => undefined);
    const run = await runSpike(ctx.target, {
      name: `${strategy.name}.r${round}.spike`,
      label: `[r${round} ${index + 1}/${ctx.strategies.length} ${strategy.name}] spike ${rate}/s`,
      strategy: strategy.name,
      stock: ctx.options.spike.stock,
      rate,
      demandFactor: ctx.options.spike.demandFactor,
      durationMs: window.windowMs,
    });
    if (run.digest !== undefined) runs.spike.push({ digest: run.digest, exitCode: run.exitCode, dashboard: run.dashboard });
    const after = before === undefined || run.digest === undefined ? undefined : await sampleCost(ctx.costProbe).catch(() => undefined);
    if (before !== undefined && after !== undefined && run.digest !== undefined) {
      const cost = costBetween(before, after, run.digest.purchases, ctx.costProbe.idleCommandsPerSecond);
      const sales = run.digest.outcomes.confirmed + run.digest.outcomes.pending;
      if (cost !== null) runs.cost.spike.push({ ...cost, salesPerAnswer: sales / cost.answers, hotRowUpdatesPerAnswer: null });
    }
    note(m, strategy.name, run.failure === undefined ? undefined : `spike: ${run.failure}`);
    await sleep(pauseMs);
  }
}

/** Runs one ceiling; a failure leaves it out of this round (the checks fail when no round has it) but not the whole run. */
async function ceiling<T>(ctx: RoundContext, m: Measurements, name: string, measure: () => Promise<T>, into: T[]): Promise<void> {
  try {
    into.push(await measure());
  } catch (error: unknown) {
    const message = error instanceof Error ? error.message : String(error);
    m.failures.set(`ceiling:${name}`, message.split('\n')[0] ?? message);
    ctx.say(`  ceiling ${name} failed: ${message}`);
  }
}

/** After the strategies, so their dead rows and keys cannot slow a strategy down. */
export async function ceilingRound(ctx: RoundContext, m: Measurements, round: number, rate: number, logLevel: string): Promise<void> {
  const { options, target } = ctx;
  await ceiling(
    ctx,
    m,
    'http',
    () =>
      measureHttpCeiling({
        k6Bin: target.k6Bin,
        dir: target.dir,
        round,
        logLevel,
        stock: options.spike.stock,
        rate,
        demandFactor: options.spike.demandFactor,
        durationMs: options.spike.durationMs,
        vus: options.capacity.vus,
        maxDurationMs: options.ceiling.httpMs,
      }),
    m.ceilings.http,
  );
  await ceiling(
    ctx,
    m,
    'redis',
    async () => {
      ctx.say(`  [r${round}] ceiling redis: redis-benchmark EVALSHA deduct-stock-4.lua …`);
      return measureRedisCeiling({ redisUrl: ctx.redisUrl, clients: 50, requests: options.ceiling.redisRequests });
    },
    m.ceilings.redis,
  );
  await ceiling(
    ctx,
    m,
    'postgres',
    async () => {
      ctx.say(`  [r${round}] ceiling postgres: pgbench conditional UPDATE on one hot row …`);
      return measurePostgresCeiling({ db: ctx.db, databaseUrl: ctx.databaseUrl, clients: ctx.pgPoolMax, durationMs: options.ceiling.pgMs, dir: target.dir });
    },
    m.ceilings.postgres,
  );
  // Last: its order rows are the only ones a ceiling writes (measureOrderRowCeiling).
  await ceiling(
    ctx,
    m,
    'orderRow',
    () => measureOrderRowCeiling({ k6Bin: target.k6Bin, dir: target.dir, round, logLevel, vus: options.capacity.vus, durationMs: options.ceiling.httpMs }),
    m.ceilings.orderRow,
  );
}
