import { describe, expect, it } from 'vitest';
import { combine, median, rangesOf } from '../../load-tests/compare/aggregate.js';
import { parseDuration, parseOptions, spikeWindow } from '../../load-tests/compare/args.js';
import { type MeasuredCost, type StrategyRuns, deriveSpikeRate, strategyResults, verdictOf } from '../../load-tests/compare/build-report.js';
import { runChecks } from '../../load-tests/compare/checks.js';
import type { CapacityDigest, LatencySummary, SpikeDigest } from '../../load-tests/compare/digests.js';
import { droppedPerBucket, planSeries, readSeries } from '../../load-tests/k6/series-plan.js';
import type { Ceilings, OutcomeCounts, Percentiles } from '../../load-tests/compare/report-types.js';

describe('compare options', () => {
  it('has full and quick defaults for every phase', () => {
    const full = parseOptions([]);
    if (full === 'help') throw new Error('unexpected help');
    expect(full).toMatchObject({ repeat: 1, capacity: { vus: 64, durationMs: 8000 }, curve: { vus: [1, 8, 32, 128], durationMs: 4000 } });
    expect(full.spike).toMatchObject({ stock: 300, rate: undefined, demandFactor: 10, keptUpP95Ms: 1000 });
    expect(parseOptions(['--quick'])).toMatchObject({ quick: true, capacity: { durationMs: 2000 }, curve: { durationMs: 1000 }, spike: { stock: 300, demandFactor: 4 } });
  });

  it('reads --repeat, --rate, --curve and durations, and refuses nonsense', () => {
    expect(parseOptions(['--repeat', '3', '--rate', '450', '--curve', '32,1,8,8'])).toMatchObject({ repeat: 3, spike: { rate: 450 }, curve: { vus: [1, 8, 32] } });
    expect(parseOptions(['--strategies', 'pg-atomic, redis-lua'])).toMatchObject({ strategies: ['pg-atomic', 'redis-lua'] });
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(() => parseDuration('soon')).toThrow(/--duration must be a duration/);
    expect(() => parseOptions(['--repeat', '0'])).toThrow(/--repeat/);
    expect(() => parseOptions(['--curve', '8'])).toThrow(/at least two/);
    expect(() => parseOptions(['--demand-factor', '1'])).toThrow(/demand/);
    expect(() => parseOptions(['--bogus'])).toThrow();
    expect(parseOptions(['--help'])).toBe('help');
  });

  it('sizes the spike window from stock × demand ÷ rate, capped by --duration', () => {
    const options = parseOptions(['--stock', '200', '--duration', '5s']);
    if (options === 'help') throw new Error('unexpected help');
    expect(spikeWindow(options, 1000)).toEqual({ windowMs: 2000, plannedPurchases: 2000, targetPurchases: 2000 });
    expect(spikeWindow(options, 200)).toEqual({ windowMs: 5000, plannedPurchases: 1000, targetPurchases: 2000 });
    // Never under k6's 1 s minimum: a fast rate then offers more than the demand.
    expect(spikeWindow(options, 2500)).toEqual({ windowMs: 1000, plannedPurchases: 2500, targetPurchases: 2000 });
  });
});

describe('repeats', () => {
  it('take the median of each figure and keep min–max by path', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    const runs = [
      { perSecond: 100, p95Ms: 9, outcomes: { confirmed: 10, error: 0 }, label: 'a' },
      { perSecond: 300, p95Ms: 7, outcomes: { confirmed: 30, error: 2 }, label: 'b' },
      { perSecond: 200, p95Ms: null, outcomes: { confirmed: 20, error: 0 }, label: 'c' },
    ];
    const combined = combine(runs);
    expect(combined.perSecond).toBe(200);
    expect(combined.outcomes.confirmed).toBe(20);
    // Unknown in one run is unknown; an unexpected answer in any run is kept (the worst run).
    expect(combined.p95Ms).toBeNull();
    expect(combined.outcomes.error).toBe(2);
    expect(combined.label).toBe('a');
    const ranges = rangesOf(runs);
    expect(ranges).toMatchObject({ perSecond: [100, 300], 'outcomes.confirmed': [10, 30] });
    expect(ranges['p95Ms']).toBeUndefined();
  });

  it('never smooth away an oversold run', () => {
    expect(combine([{ oversoldUnits: 0 }, { oversoldUnits: 0 }, { oversoldUnits: 4 }]).oversoldUnits).toBe(4);
  });

  it('read "never sold out" as the latest time, not as unknown', () => {
    expect(combine([{ timeToSellOutMs: 3740 }, { timeToSellOutMs: null }, { timeToSellOutMs: 5289 }]).timeToSellOutMs).toBe(5289);
    expect(combine([{ timeToSellOutMs: null }, { timeToSellOutMs: null }, { timeToSellOutMs: 5289 }]).timeToSellOutMs).toBeNull();
  });
});

describe('the spike series', () => {
  it('counts no drop for an arrival stamped a few ms into the next bucket', () => {
    // 100/s in 250 ms buckets: 25 scheduled per bucket over a 1 s window; one arrival of bucket 1 ran in bucket 2.
    expect(droppedPerBucket([25, 24, 26, 25, 0], 250, 1000, 100)).toEqual([0, 0, 0, 0, 0]);
  });

  it('places real drops in their buckets and sums to k6\'s total', () => {
    const dropped = droppedPerBucket([25, 10, 5, 25, 0, 0], 250, 1000, 100);
    expect(dropped).toEqual([0, 15, 20, 0, 0, 0]);
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(100 - (25 + 10 + 5 + 25));
  });

  it('reads the bucket counters back and cuts the empty tail', () => {
    const counts: Record<string, number> = { series_confirmed_000: 20, series_sold_out_001: 30, series_started_000: 25, series_started_001: 25 };
    const plan = planSeries(500);
    const series = readSeries(plan, 500, 100, (metric) => counts[metric] ?? 0);
    expect(plan.bucketMs).toBe(250);
    expect(series).toMatchObject({ bucketMs: 250, windowMs: 500, confirmed: [20, 0], soldOut: [0, 30], dropped: [0, 0] });
  });
});

describe('the spike', () => {
  it('rate is the median safe selling capacity rounded up to 50, within 50–3,000', () => {
    expect(deriveSpikeRate([100, 420, 260, 590, 380])).toBe(400);
    expect(deriveSpikeRate([10, 20])).toBe(50);
    expect(deriveSpikeRate([9000, 12000])).toBe(3000);
  });

  it('verdict: fell behind, shed, queued or kept up', () => {
    const p = (p95: number): Percentiles => ({ count: 1, p50: 1, p95, p99: p95, max: p95 });
    const outcomes = (contended: number): OutcomeCounts => ({ confirmed: 10, pending: 0, soldOut: 90, contended, error: 0 });
    const spike = { droppedIterations: 0, purchases: 1000, latencyMs: p(40), outcomes: outcomes(0), confirmationDelayMs: null };
    expect(verdictOf(spike, false, 1000)).toBe('kept up');
    expect(verdictOf({ ...spike, droppedIterations: 5 }, false, 1000)).toBe('kept up'); // under 1 % of offered: k6 jitter
    expect(verdictOf({ ...spike, droppedIterations: 50 }, false, 1000)).toBe('fell behind');
    expect(verdictOf({ ...spike, latencyMs: p(1500) }, false, 1000)).toBe('fell behind');
    expect(verdictOf({ ...spike, outcomes: outcomes(3) }, false, 1000)).toBe('shed');
    expect(verdictOf({ ...spike, confirmationDelayMs: p(4000) }, true, 1000)).toBe('queued');
  });
});

// ---- A small measured run, built from digests as phases.ts reads them.

const pct = (p50: number, p95: number): LatencySummary => ({ count: 100, avg: p50, p50, p90: p95, p95, p99: p95, max: p95 });
const none: LatencySummary = { count: 0, avg: null, p50: null, p90: null, p95: null, p99: null, max: null };

/** A phase's cost as cost.ts measures it: 1.6 CPU-seconds per second spread over the answers, half of it the API's. */
function phaseCost(perSecond: number): MeasuredCost {
  const ms = 1600 / perSecond;
  return {
    answers: perSecond * 10,
    cpuMsPerAnswer: { api: ms / 2, worker: 0, postgres: ms * 0.4, redis: ms * 0.1, kafka: 0, etcd: 0, k6: 0.5 },
    mainRedisCpuMsPerAnswer: ms * 0.1,
    redisCommandsPerAnswer: 1,
    redisCommandsNetPerAnswer: 0.9,
    pgCommitsPerAnswer: 1,
    walBytesPerAnswer: 400,
    hotRowUpdatesPerAnswer: 1,
    salesPerAnswer: 1,
  };
}

function capacity(strategy: string, mode: 'selling' | 'refusing', vus: number, perSecond: number, extra: Partial<CapacityDigest> = {}): CapacityDigest {
  const count = Math.round(perSecond * 2);
  return {
    strategy,
    mode,
    async: strategy === 'kafka-queue',
    sku: null,
    vus,
    durationMs: 2000,
    answered: count,
    outcomes: { confirmed: mode === 'selling' && strategy !== 'kafka-queue' ? count : 0, pending: mode === 'selling' && strategy === 'kafka-queue' ? count : 0, soldOut: mode === 'refusing' ? count : 0, contended: 0, error: 0 },
    perSecond,
    answersPerSecond: perSecond,
    p50Ms: 20,
    p95Ms: 40,
    p99Ms: 60,
    drainPerSecond: strategy === 'kafka-queue' && mode === 'selling' ? 150 : null,
    drainAfterMs: strategy === 'kafka-queue' && mode === 'selling' ? 3000 : null,
    oversoldUnits: 0,
    pendingUnitsLeft: 0,
    thresholdsOk: true,
    ...extra,
  };
}

function spike(strategy: string, extra: Partial<SpikeDigest> = {}): SpikeDigest {
  const stock = 100;
  const naive = strategy === 'naive';
  const confirmed = naive ? 130 : stock;
  return {
    strategy,
    async: strategy === 'kafka-queue',
    sku: null,
    purchases: 1000,
    lastAnswerMs: 2500,
    throughput: 400,
    confirmedPerSecond: 380,
    outcomes: { confirmed, pending: 0, soldOut: 1000 - confirmed, contended: 0, error: 0 },
    latencyMs: { all: pct(5, 30), confirmed: pct(8, 30), pending: none, soldOut: pct(4, 10), contended: none, error: none },
    droppedIterations: 0,
    settings: { stock, rate: 400, durationCapMs: 30_000, windowMs: 2500, demandFactor: 10, targetPurchases: 1000, plannedPurchases: 1000, preAllocatedVUs: 100, maxVUs: 200 },
    confirmedUnits: confirmed,
    oversoldUnits: Math.max(0, confirmed - stock),
    undersoldUnits: 0,
    unsoldUnits: 0,
    pendingUnitsLeft: 0,
    auditConsistent: !naive,
    turnedAway: 0,
    timeToSoldOutMs: 300,
    settleMs: 0,
    drainAfterMs: null,
    confirmationDelayMs: null,
    series: { bucketMs: 250, windowMs: 2500, confirmed: [50, 50], pending: [0, 0], soldOut: [40, 60], contended: [0, 0], error: [0, 0], dropped: [0, 0] },
    testRunDurationMs: 3000,
    thresholds: {},
    thresholdsOk: true,
    ...extra,
  };
}

const curveVus = [1, 8];
const names = ['naive', 'pg-atomic', 'redlock', 'kafka-queue'];
const selling: Record<string, number> = { naive: 500, 'pg-atomic': 400, redlock: 250, 'kafka-queue': 600 };

function measuredRuns(tweak: (runs: StrategyRuns) => void = () => undefined): StrategyRuns[] {
  return names.map((name) => {
    const runs: StrategyRuns = {
      strategy: name,
      async: name === 'kafka-queue',
      // Facts as GET /v1/strategies would serve them; the names themselves mean nothing to the report.
      safe: name !== 'naive',
      decidesIn: 'postgres',
      decidesPer: 'sale',
      selling: [capacity(name, 'selling', 64, selling[name] ?? 1)],
      refusing: [capacity(name, 'refusing', 64, 800)],
      curve: new Map(curveVus.map((vus) => [vus, [capacity(name, 'selling', vus, (selling[name] ?? 1) / (vus === 1 ? 4 : 1))]])),
      spike: [{ digest: spike(name, name === 'redlock' ? { droppedIterations: 300, latencyMs: { ...spike(name).latencyMs, all: pct(800, 2400) } } : {}), exitCode: 0, dashboard: null }],
      locksIn: name === 'redlock' ? 'redis-quorum' : 'none',
      cost: { selling: [phaseCost(selling[name] ?? 1)], refusing: [phaseCost(800)], spike: [phaseCost(300)] },
      httpNearby: [],
    };
    tweak(runs);
    return runs;
  });
}

const ceilings: Ceilings = {
  http: { throughput: 8000, latencyMs: pct(5, 10), vus: 64, durationMs: 3000, atRate: { rate: 400, throughput: 400, latencyMs: pct(1, 2), droppedIterations: 0 }, dashboard: null, range: {} },
  orderRow: { throughput: 4000, latencyMs: pct(12, 20), vus: 64, durationMs: 3000, range: {} },
  redis: { opsPerSecond: 20_000, latencyMs: pct(1, 2), clients: 50, requests: 50_000, command: 'redis-benchmark', range: {} },
  postgres: { tps: 2000, latencyAvgMs: 8, clients: 20, durationMs: 3000, command: 'pgbench', range: {} },
};

function failedChecks(runs: StrategyRuns[], measured: Ceilings = ceilings, repeat = 1): string[] {
  const results = strategyResults(runs, curveVus, measured, 1000);
  return runChecks({ requested: names, results, runs, ceilings: measured, curveVus, repeat, failures: new Map() })
    .filter((check) => !check.ok)
    .map((check) => check.name);
}

describe('strategy results', () => {
  it('take safety and the store from the facts served, not from names', () => {
    // A strategy named like the baseline but served as safe is checked as safe, and one deciding in Redis is read against Redis.
    const runs = measuredRuns((r) => {
      if (r.strategy === 'naive') r.safe = true;
      if (r.strategy === 'redlock') r.decidesIn = 'redis';
    });
    const results = strategyResults(runs, curveVus, ceilings, 1000);
    expect(results.find((r) => r.strategy === 'naive')?.safe).toBe(true);
    expect(results.find((r) => r.strategy === 'redlock')?.store).toBe('redis');
    expect(results.find((r) => r.strategy === 'redlock')?.capacity.selling?.ratios.toStoreCeiling).toBe(250 / 20_000);
    expect(failedChecks(runs)).toContain('no safe strategy oversold');
  });

  it('read every throughput against its ceilings and the fastest safe strategy', () => {
    const results = strategyResults(measuredRuns(), curveVus, ceilings, 1000);
    const atomic = results.find((r) => r.strategy === 'pg-atomic');
    // naive (500/s) is faster than every safe strategy but is not the yardstick.
    expect(atomic?.capacity.selling?.ratios).toEqual({ toHttpCeiling: 400 / 8000, toStoreCeiling: 400 / 2000, toFastestSafe: 1 });
    // kafka-queue's front door answered 600/s, but its worker confirmed 150/s: a 202 is not a sale.
    const queue = results.find((r) => r.strategy === 'kafka-queue');
    expect(queue?.capacity.selling?.ratios).toEqual({ toHttpCeiling: 600 / 8000, toStoreCeiling: 150 / 2000, toFastestSafe: 150 / 400 });
    expect(queue?.capacity.selling?.drainToStoreCeiling).toBeCloseTo(150 / 2000);
    expect(queue?.curve.every((point) => point.toStoreCeiling === null)).toBe(true);
    expect(atomic?.curve.map((point) => [point.vus, point.perSecond, point.toStoreCeiling])).toEqual([
      [1, 100, 100 / 2000],
      [8, 400, 400 / 2000],
    ]);
    expect(results.find((r) => r.strategy === 'redlock')?.spike?.verdict).toBe('fell behind');
    // The series shown is one real round's, with that round's own sell-out moment.
    expect(atomic?.spike?.series).toMatchObject({ confirmed: [50, 50], timeToSellOutMs: 300, drainAfterMs: null });
    expect(results.find((r) => r.strategy === 'naive')?.safe).toBe(false);
    expect(strategyResults(measuredRuns(), curveVus, { http: null, orderRow: null, redis: null, postgres: null }, 1000)[1]?.capacity.selling?.ratios.toHttpCeiling).toBeNull();
  });

  it("take the HTTP ratios against the ceiling measured next to the strategy's phases when there is one", () => {
    // Two rounds: 4,000 and 6,000 req/s just before pg-atomic's phases, against 8,000 at the run's end.
    const runs = measuredRuns((r) => r.strategy === 'pg-atomic' && (r.httpNearby = [4000, 6000]));
    const results = strategyResults(runs, curveVus, ceilings, 1000);
    const atomic = results.find((r) => r.strategy === 'pg-atomic');
    expect(atomic?.httpCeilingNearby).toBe(5000);
    expect(atomic?.capacity.selling?.ratios.toHttpCeiling).toBe(400 / 5000);
    expect(atomic?.capacity.refusing?.ratios.toHttpCeiling).toBe(800 / 5000);
    // One without its own falls back to the run's.
    expect(results.find((r) => r.strategy === 'redlock')?.capacity.selling?.ratios.toHttpCeiling).toBe(250 / 8000);
  });
});

describe('compare checks', () => {
  it('pass on a run where only naive oversold, every figure is there and the spike saturated redlock', () => {
    expect(failedChecks(measuredRuns())).toEqual([]);
  });

  it('fail when a safe strategy oversold in any run', () => {
    const runs = measuredRuns((r) => {
      if (r.strategy === 'pg-atomic') r.spike.push({ digest: spike('pg-atomic', { oversoldUnits: 1, confirmedUnits: 101 }), exitCode: 99, dashboard: null });
    });
    expect(failedChecks(runs)).toEqual(['no safe strategy oversold']);
  });

  it('fail when the audit caught nothing of naive, or a safe strategy lied about sold out', () => {
    // Neither oversold nor inconsistent: the audit caught nothing.
    expect(failedChecks(measuredRuns((r) => r.strategy === 'naive' && (r.spike[0] = { digest: spike('pg-atomic', { strategy: 'naive' }), exitCode: 0, dashboard: null })))).toEqual([
      "naive's lost updates caught by the audit",
    ]);
    // Too few buyers got through to pass the stock, but its stock row disagrees with its orders: caught.
    const shed = spike('naive', { confirmedUnits: 66, oversoldUnits: 0, undersoldUnits: 34, auditConsistent: false });
    expect(failedChecks(measuredRuns((r) => r.strategy === 'naive' && (r.spike[0] = { digest: shed, exitCode: 0, dashboard: null })))).toEqual([]);
    const lied = measuredRuns((r) => r.strategy === 'pg-atomic' && (r.spike[0] = { digest: spike('pg-atomic', { confirmedUnits: 97, unsoldUnits: 3 }), exitCode: 0, dashboard: null }));
    expect(failedChecks(lied)).toEqual(['every safe strategy sold, and said sold out only when it was']);
  });

  it('fail when a phase, a curve point or a ceiling is missing', () => {
    expect(failedChecks(measuredRuns((r) => r.strategy === 'redlock' && r.curve.delete(8)))).toEqual(['every strategy measured']);
    expect(failedChecks(measuredRuns((r) => r.strategy === 'pg-atomic' && (r.refusing = [])))).toEqual(['every strategy measured', "every safe strategy's capacity measured"]);
    expect(failedChecks(measuredRuns(), { ...ceilings, redis: null })).toEqual(['every ceiling measured']);
    // No cost, no projection: the report must not claim what it did not measure.
    expect(failedChecks(measuredRuns((r) => r.strategy === 'pg-atomic' && (r.cost.selling = [])))).toEqual(['every strategy measured']);
  });

  it('give every strategy its cost and a projection at 2, 8 and 32 cores, bound by its own serial part', () => {
    const results = strategyResults(measuredRuns(), curveVus, ceilings, 1000);
    for (const r of results) {
      expect(r.cost.selling?.cpuMsPerAnswer.api, r.strategy).toBeGreaterThan(0);
      expect(r.projection.map((p) => p.cores), r.strategy).toEqual([2, 8, 32]);
    }
    expect(results.find((r) => r.strategy === 'redlock')?.projection.at(-1)?.boundBy).toBe('lock-critical-section');
    expect(results.find((r) => r.strategy === 'pg-atomic')?.projection.at(-1)?.boundBy).toBe('postgres-row-lock');
  });

  it('fail when units were left pending or an unexpected answer came in any phase', () => {
    const pending = measuredRuns((r) => r.strategy === 'kafka-queue' && (r.selling[0] = capacity('kafka-queue', 'selling', 64, 600, { pendingUnitsLeft: 3 })));
    expect(failedChecks(pending)).toEqual(['nothing left pending']);
    const errors = measuredRuns((r) => r.strategy === 'pg-atomic' && r.curve.set(1, [capacity('pg-atomic', 'selling', 1, 100, { outcomes: { confirmed: 1, pending: 0, soldOut: 0, contended: 0, error: 2 } })]));
    expect(failedChecks(errors)).toEqual(['only 201/202/409/503 answers']);
  });

  it('fail when a capacity phase oversold, or sold a sold-out SKU', () => {
    const oversold = measuredRuns((r) => r.strategy === 'redlock' && (r.curve.set(8, [capacity('redlock', 'selling', 8, 250, { oversoldUnits: 2 })])));
    expect(failedChecks(oversold)).toEqual(['no safe strategy oversold']);
    const soldOut = measuredRuns((r) => r.strategy === 'pg-atomic' && (r.refusing = [capacity('pg-atomic', 'refusing', 64, 800, { outcomes: { confirmed: 1, pending: 0, soldOut: 1599, contended: 0, error: 0 } })]));
    expect(failedChecks(soldOut)).toEqual(['no safe strategy oversold']);
  });

  it('fail when pending is unknown after a phase, or a phase is missing from some round', () => {
    const unknown = measuredRuns((r) => r.strategy === 'kafka-queue' && (r.refusing = [capacity('kafka-queue', 'refusing', 64, 800, { pendingUnitsLeft: null })]));
    expect(failedChecks(unknown)).toEqual(['nothing left pending']);
    const twoRounds = measuredRuns((r) => {
      if (r.strategy === 'redlock') return;
      r.selling.push(r.selling[0] as CapacityDigest);
      r.refusing.push(r.refusing[0] as CapacityDigest);
      for (const vus of curveVus) r.curve.set(vus, [...(r.curve.get(vus) ?? []), ...(r.curve.get(vus) ?? [])]);
      r.spike.push(r.spike[0] as StrategyRuns['spike'][number]);
    });
    expect(failedChecks(twoRounds, ceilings, 2)).toEqual(['every strategy measured']);
  });

  it('report the worst round\'s verdict', () => {
    const runs = measuredRuns((r) => {
      if (r.strategy === 'pg-atomic') r.spike.push({ digest: spike('pg-atomic', { droppedIterations: 200 }), exitCode: 0, dashboard: null }, { digest: spike('pg-atomic'), exitCode: 0, dashboard: null });
    });
    expect(strategyResults(runs, curveVus, ceilings, 1000).find((r) => r.strategy === 'pg-atomic')?.spike?.verdict).toBe('fell behind');
  });

  it('fail when every safe strategy kept up with the spike: nothing was compared', () => {
    const calm = measuredRuns((r) => r.strategy === 'redlock' && (r.spike[0] = { digest: spike('redlock'), exitCode: 0, dashboard: null }));
    expect(failedChecks(calm)).toEqual(['the spike saturated a safe strategy']);
  });
});
