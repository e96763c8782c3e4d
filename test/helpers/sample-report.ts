// A realistic report.json (schema 2) for the renderer tests: nine strategies
// on a 2-core machine, three runs each. Figures are shaped like a real run:
// HTTP ~9,000 req/s, Redis ~25,000 ops/s, one PostgreSQL hot row ~3,000 tps;
// naive oversells, pg-optimistic collapses as buyers grow, redlock sheds and
// never sells out in the spike, kafka-queue answers 202 and confirms later.
// The spike series are simulated bucket by bucket (sample-spike.ts) so their
// totals, the outcome counts and the sell-out moment agree.
import { targetsOf } from '../../load-tests/compare/targets.js';
import { project } from '../../load-tests/compare/projection.js';
import type { Ceilings, ClosedLoopResult, CostFigures, CurvePoint, OutcomeCounts, Ratios, Report, SellingCapacity, SpikeVerdict, StoreName, StrategyResult } from '../../load-tests/compare/report-types.js';
import { capacityVus, ceilings, curveVus, demandFactor, keptUpP95Ms, phaseMs, rate, repeat, round, spread, stock, windowMs } from './sample-figures.js';
import { spikeResult, type SpikeShape } from './sample-spike.js';

interface Shape {
  strategy: string;
  store: StoreName;
  async?: boolean;
  safe?: boolean;
  /** Closed loop at 64 VUs: [per second, p95 ms]; selling may add 503s per second. */
  selling: [number, number, number?];
  refusing: [number, number];
  drain?: number;
  /** [sales/s, p95 ms, 503 answers] at each of curveVus. */
  curve: Array<[number, number, number]>;
  spike: SpikeShape;
}

const shapes: Shape[] = [
  // Read, check, write without a guard: two buyers read the same stock and both write.
  { strategy: 'naive', store: 'postgres', safe: false, selling: [450, 260], refusing: [1_150, 95], curve: [[250, 6.1, 0], [460, 31, 0], [450, 120, 0], [430, 520, 0]], spike: { sells: 450, answeredSales: 1_180, latency: [2.1, 38, 210], verdict: 'kept up' } },
  { strategy: 'redis-lock', store: 'postgres', selling: [300, 420], refusing: [820, 140], curve: [[210, 7.2, 0], [320, 46, 0], [300, 190, 40], [240, 880, 2_100]], spike: { sells: 300, sheds: 190, latency: [6.3, 120, 290], contendedP95: 260, verdict: 'shed' } },
  // Three Redis round trips per lock: buyers pile up, k6 drops arrivals and the window closes first.
  { strategy: 'redlock', store: 'postgres', selling: [250, 610], refusing: [700, 170], curve: [[150, 10.5, 0], [260, 58, 0], [250, 240, 310], [180, 1_300, 4_200]], spike: { sells: 40, sheds: 270, drops: 180, latency: [240, 610, 980], contendedP95: 540, verdict: 'fell behind' } },
  { strategy: 'redis-lua', store: 'redis', selling: [1_050, 110], refusing: [1_300, 88], curve: [[380, 4.0, 0], [1_020, 14, 0], [1_060, 52, 0], [1_010, 210, 0]], spike: { sells: 500, latency: [1.2, 3.9, 7.5], verdict: 'kept up' } },
  { strategy: 'pg-optimistic', store: 'postgres', selling: [100, 1_450, 60], refusing: [1_100, 100], curve: [[240, 6.4, 0], [190, 88, 120], [120, 520, 1_900], [70, 2_300, 6_100]], spike: { sells: 100, sheds: 390, latency: [12, 64, 140], contendedP95: 58, verdict: 'shed' } },
  { strategy: 'pg-pessimistic', store: 'postgres', selling: [330, 330], refusing: [950, 120], curve: [[230, 6.6, 0], [350, 41, 0], [335, 170, 0], [310, 690, 0]], spike: { sells: 330, drops: 150, latency: [4.5, 340, 900], verdict: 'fell behind' } },
  { strategy: 'pg-atomic', store: 'postgres', selling: [400, 290], refusing: [1_200, 96], curve: [[260, 5.9, 0], [410, 35, 0], [405, 140, 0], [385, 560, 0]], spike: { sells: 400, latency: [2.6, 180, 410], verdict: 'kept up' } },
  // The front door queues and answers 202 until the worker has seen the stock reach 0 and set the sold-out flag.
  { strategy: 'kafka-queue', store: 'postgres', async: true, selling: [590, 190], refusing: [1_250, 92], drain: 500, curve: [[300, 5.1, 0], [600, 24, 0], [590, 96, 0], [570, 390, 0]], spike: { sells: 500, answeredSales: 1_200, latency: [1.6, 9.5, 21], verdict: 'queued', confirmationP95: 640 } },
  { strategy: 'outbox', store: 'postgres', selling: [360, 320], refusing: [1_180, 98], curve: [[220, 7.0, 0], [370, 39, 0], [360, 160, 0], [340, 640, 0]], spike: { sells: 360, latency: [3.1, 230, 520], verdict: 'kept up' } },
];


function closedLoop(perSecond: number, p95: number, contendedPerSecond: number, ratios: Ratios, seed: number, outcome: 'confirmed' | 'pending' | 'soldOut'): ClosedLoopResult {
  const answersPerSecond = perSecond + contendedPerSecond;
  const figures = { perSecond, answersPerSecond, p50Ms: round(p95 * 0.45), p95Ms: p95, p99Ms: round(p95 * 1.5) };
  const outcomes: OutcomeCounts = { confirmed: 0, pending: 0, soldOut: 0, contended: (contendedPerSecond * phaseMs) / 1000, error: 0 };
  outcomes[outcome] = (perSecond * phaseMs) / 1000;
  return { vus: capacityVus, durationMs: phaseMs, ...figures, outcomes, ratios, range: spread(seed, { ...figures, outcomes }) };
}

function result(shape: Shape, seed: number, measured: Ceilings, fastest: { selling: number; refusing: number }): StrategyResult {
  const storeCeiling = shape.store === 'redis' ? measured.redis?.opsPerSecond : measured.postgres?.tps;
  const ratios = (perSecond: number, fastestSafe: number): Ratios => ({
    toHttpCeiling: measured.http === null ? null : perSecond / measured.http.throughput,
    toStoreCeiling: storeCeiling === undefined ? null : perSecond / storeCeiling,
    toFastestSafe: perSecond / fastestSafe,
  });
  const [sells, sellP95, shed = 0] = shape.selling;
  const async = shape.async ?? false;
  const loop = closedLoop(sells, sellP95, shed, ratios(sells, fastest.selling), seed, async ? 'pending' : 'confirmed');
  const drain = shape.drain ?? null;
  // The front door outruns the worker by (sells − drain)/s for the whole phase; that backlog drains after it.
  const drainAfterMs = drain === null ? null : Math.round(((sells - drain) * phaseMs) / drain);
  const selling: SellingCapacity = {
    ...loop,
    drainPerSecond: drain,
    drainToStoreCeiling: drain === null || measured.postgres === null ? null : drain / measured.postgres.tps,
    drainAfterMs,
    range: { ...loop.range, ...spread(seed, { drainPerSecond: drain, drainAfterMs }) },
  };
  const sellingCost = costFigures(shape, 'selling');
  const curve: CurvePoint[] = shape.curve.map(([perSecond, p95, contended], index) => {
    const figures = { perSecond, p50Ms: round(p95 * 0.45), p95Ms: p95, contended };
    const storeCeiling = shape.store === 'redis' ? measured.redis?.opsPerSecond : measured.postgres?.tps;
    return { vus: curveVus[index] ?? 0, ...figures, toStoreCeiling: storeCeiling === undefined ? null : perSecond / storeCeiling, range: spread(seed + index, figures) };
  });
  return {
    strategy: shape.strategy,
    async,
    safe: shape.safe ?? true,
    store: shape.store,
    decidesPer: 'sale',
    capacity: { selling, refusing: closedLoop(shape.refusing[0], shape.refusing[1], 0, ratios(shape.refusing[0], fastest.refusing), seed + 1, 'soldOut') },
    curve,
    spike: spikeResult(shape, seed, measured),
    cost: { selling: sellingCost, refusing: costFigures(shape, 'refusing'), spike: costFigures(shape, 'refusing') },
    httpCeilingNearby: measured.http === null ? null : Math.round(measured.http.throughput * (0.9 + (seed % 5) * 0.05)),
    projection: project({
      async,
      decidesIn: shape.store,
      locksIn: shape.strategy.includes('lock') ? 'redis' : 'none',
      selling: sellingCost,
      curveBest: Math.max(...shape.curve.map(([perSecond]) => perSecond)),
      drainPerSecond: drain,
      postgresRowTps: measured.postgres?.tps ?? null,
    }),
    runs: repeat,
  };
}

/**
 * Plausible cost figures: two cores' worth of CPU (less k6's share) spread
 * over the phase's answers, the API taking most, the deciding store the next.
 */
function costFigures(shape: Shape, phase: 'selling' | 'refusing'): CostFigures {
  const perSecond = phase === 'selling' ? shape.selling[0] : shape.refusing[0];
  const total = 1400 / perSecond;
  const share = shape.store === 'redis' ? { api: 0.62, postgres: 0.1, redis: 0.28 } : { api: 0.5, postgres: 0.42, redis: 0.08 };
  const worker = shape.async === true ? total * 0.3 : 0;
  return {
    answers: (perSecond * phaseMs) / 1000,
    cpuMsPerAnswer: { api: total * share.api, worker, postgres: total * share.postgres, redis: total * share.redis, kafka: shape.async === true ? total * 0.1 : 0, etcd: 0, k6: 600 / perSecond },
    mainRedisCpuMsPerAnswer: total * share.redis,
    redisCommandsPerAnswer: shape.store === 'redis' ? 3 : 1,
    redisCommandsNetPerAnswer: shape.store === 'redis' ? 2.9 : 0.9,
    pgCommitsPerAnswer: phase === 'refusing' ? 0 : shape.store === 'redis' ? 0.08 : 1,
    walBytesPerAnswer: phase === 'refusing' ? 0 : shape.store === 'redis' ? 160 : 420,
    hotRowUpdatesPerAnswer: phase === 'refusing' ? 0 : shape.store === 'redis' ? 0.01 : 1,
    salesPerAnswer: phase === 'refusing' ? 0 : 1,
  };
}

export interface SampleOptions {
  /** Leave one ceiling out, as a run where it could not be measured. */
  missingCeiling?: keyof Ceilings;
  /** Rename a strategy (e.g. to one with markup in it, for the escaping tests). */
  renameStrategy?: { from: string; to: string };
  command?: string;
}

export function sampleReport(options: SampleOptions = {}): Report {
  const measured = ceilings();
  if (options.missingCeiling !== undefined) measured[options.missingCeiling] = null;
  const safe = shapes.filter((shape) => shape.safe !== false);
  const fastest = { selling: Math.max(...safe.map((s) => s.selling[0])), refusing: Math.max(...safe.map((s) => s.refusing[0])) };
  const strategies = shapes.map((shape, index) =>
    result(shape.strategy === options.renameStrategy?.from ? { ...shape, strategy: options.renameStrategy.to } : shape, index, measured, fastest),
  );
  const byVerdict = (verdict: SpikeVerdict): string => strategies.filter((r) => r.spike?.verdict === verdict).map((r) => r.strategy).join(', ');
  return {
    schemaVersion: 2,
    startedAt: '2025-06-01T14:03:12.000Z',
    finishedAt: '2025-06-01T14:51:40.000Z',
    command: options.command ?? 'npm run compare -- --repeat 3',
    machine: {
      cpus: 2,
      cpuModel: 'AMD EPYC 7B13',
      memoryGiB: 7.8,
      os: 'Linux 6.1.0-37-cloud-amd64 (Debian 12)',
      node: 'v24.21.0',
      k6: 'v1.8.1',
      postgres: '15.13',
      redis: '7.0.15',
      kafka: '4.0.0',
    },
    settings: {
      repeat,
      quick: false,
      strategies: strategies.map((s) => s.strategy),
      capacity: { vus: capacityVus, durationMs: phaseMs, asyncWorker: 'paused' },
      maxPerUser: null,
      curve: { vus: curveVus, durationMs: phaseMs },
      spike: {
        stock,
        rate,
        rateSource: 'derived',
        rateReason: '1.5 × the median selling capacity of the safe strategies (345/s), rounded to 100/s: most must queue, shed or fall behind',
        demandFactor,
        windowMs,
        durationMs: 30_000,
        purchases: (rate * windowMs) / 1000,
        keptUpP95Ms,
      },
    },
    ceilings: measured,
    strategies,
    // --processes 1,2 on 2 cores with k6 on one of them: a second process buys little.
    processes: {
      counts: [1, 2],
      strategies: strategies.map((r) => {
        const sells = r.capacity.selling?.perSecond ?? null;
        const refuses = r.capacity.refusing?.perSecond ?? null;
        const api = r.cost.selling?.cpuMsPerAnswer.api ?? null;
        return { strategy: r.strategy, selling: [sells, sells === null ? null : Math.round(sells * 1.04)], refusing: [refuses, refuses === null ? null : Math.round(refuses * 0.97)], apiCpuMsPerAnswer: [api, api === null ? null : api * 1.1] };
      }),
    },
    // Figures of the kind a run prints (load-tests/k6/reservations.ts), kept consistent with each other.
    reservations: {
      digest: {
        stock: 200, holdSeconds: 2, payShare: 0.5, rate: 200, windowMs: 8000, buyers: 1601,
        held: 360, paid: 186, paidTooLate: 0, walkedAway: 174, refused: 1241, turnedAway: 0,
        expiredUnits: 174, resoldUnits: 160, confirmedUnits: 186, unsoldUnits: 14, reservedUnitsLeft: 0,
        oversoldUnits: 0, consistent: true, holdP95Ms: 265.6, confirmP95Ms: 36.5,
      },
      failure: null,
    },
    // A run of load-tests/k6/waiting-room.ts on this machine (pg-atomic, 3,000 buyers within 2 s on 300 units).
    waitingRoom: {
      strategy: 'pg-atomic',
      room: { digest: { mode: 'room', strategy: 'pg-atomic', stock: 300, buyers: 3000, arrivalMs: 2000, admitted: 302, admittedPerSecond: 77.5, bought: 300, soldOut: 2700, expired: 0, gaveUp: 0, errors: 0, finalMs: { p50: 5893, p95: 7208, max: 8041 }, purchaseMs: { p50: 4.2, p95: 13.0, max: 25.4 }, soldOutLearnedMs: { p50: 6015, p95: 7243, max: 8041 }, purchase503: 0, retries: 0, lineRequests: 14502, line503: 0, confirmedUnits: 300, oversoldUnits: 0 }, failure: null },
      direct: { digest: { mode: 'direct', strategy: 'pg-atomic', stock: 300, buyers: 3000, arrivalMs: 2000, admitted: 3000, admittedPerSecond: 1530.6, bought: 300, soldOut: 2700, expired: 0, gaveUp: 0, errors: 0, finalMs: { p50: 2, p95: 285, max: 331 }, purchaseMs: { p50: 1.4, p95: 280.6, max: 319.9 }, soldOutLearnedMs: { p50: 2, p95: 258, max: 331 }, purchase503: 0, retries: 0, lineRequests: 0, line503: 0, confirmedUnits: 300, oversoldUnits: 0 }, failure: null },
    },
    targets: targetsOf(strategies, measured),
    checks: [
      { name: 'no safe strategy oversold', ok: true, detail: `oversold 0 for all ${safe.length} safe strategies (audit)` },
      { name: 'the unsafe baseline oversold', ok: true, detail: 'naive confirmed 1,180 of 1,000 units: the test can see overselling' },
      { name: 'every order settled', ok: true, detail: 'kafka-queue: 0 pending units left' },
      { name: 'the spike separated the strategies', ok: true, detail: `kept up: ${byVerdict('kept up')}; queued: ${byVerdict('queued')}; shed: ${byVerdict('shed')}; fell behind: ${byVerdict('fell behind')}` },
      { name: 'offered load applied', ok: false, detail: 'redlock and pg-pessimistic dropped arrivals (every VU busy)' },
      { name: 'report complete', ok: true, detail: `${strategies.length} strategies × ${repeat} runs, 3 ceilings` },
    ],
  };
}
