// Turns the k6 digests of every phase and run (phases.ts) into report.json's
// StrategyResult: medians and ranges over the runs (aggregate.ts), the spike's
// verdict, and every throughput as a ratio to its ceiling and to the fastest
// safe strategy of the same phase.
import { combine, median, rangesOf } from './aggregate.js';
import type { CapacityDigest, SpikeDigest } from './phases.js';
import type { PhaseCost } from './cost.js';
import { project } from './projection.js';
import type {
  Ceilings,
  ClosedLoopResult,
  CostFigures,
  CurvePoint,
  Ratios,
  SellingCapacity,
  SpikeResult,
  SpikeVerdict,
  StoreName,
  StrategyResult,
} from './report-types.js';
import type { StrategyDecision } from '../../services/strategies/facts.js';

/** Every run of every phase of one strategy; a phase that failed in a run is simply absent from its list. */
export interface StrategyRuns {
  strategy: string;
  async: boolean;
  /** False for the unsafe baseline: held to no oversell check, and left out of "fastest safe" and the spike rate. */
  safe: boolean;
  /** The store whose ceiling its sales are read against. */
  decidesIn: StoreName;
  /** How many buyers one decision covers (StrategyFacts.decidesPer). */
  decidesPer: StrategyDecision;
  selling: CapacityDigest[];
  refusing: CapacityDigest[];
  /** Curve runs by VU count. */
  curve: Map<number, CapacityDigest[]>;
  spike: Array<{ digest: SpikeDigest; exitCode: number; dashboard: string | null }>;
  /** The lock its purchases take (StrategyFacts.locksIn): the projection's serial part. */
  locksIn: string;
  /** Each run's cost per answer of the two capacity phases and of the spike (cost.ts). */
  cost: { selling: MeasuredCost[]; refusing: MeasuredCost[]; spike: MeasuredCost[] };
  /** Each round's short closed-loop HTTP ceiling, measured just before this strategy's capacity phases. */
  httpNearby: number[];
}

export type MeasuredCost = PhaseCost & { salesPerAnswer: number; hotRowUpdatesPerAnswer: number | null };

function ratio(value: number | null | undefined, ceiling: number | null | undefined): number | null {
  return value === null || value === undefined || ceiling === null || ceiling === undefined || ceiling <= 0 ? null : value / ceiling;
}

const noRatios: Ratios = { toHttpCeiling: null, toStoreCeiling: null, toFastestSafe: null };

function closedLoop(runs: CapacityDigest[]): ClosedLoopResult | null {
  if (runs.length === 0) return null;
  const figures = runs.map((d) => ({
    vus: d.vus,
    durationMs: d.durationMs,
    perSecond: d.perSecond,
    answersPerSecond: d.answersPerSecond,
    p50Ms: d.p50Ms,
    p95Ms: d.p95Ms,
    p99Ms: d.p99Ms,
    outcomes: d.outcomes,
  }));
  return { ...combine(figures), ratios: noRatios, range: rangesOf(figures) };
}

function selling(runs: CapacityDigest[]): SellingCapacity | null {
  const base = closedLoop(runs);
  if (base === null) return null;
  const drain = runs.map((d) => ({ drainPerSecond: d.drainPerSecond, drainAfterMs: d.drainAfterMs }));
  return { ...base, ...combine(drain), drainToStoreCeiling: null, range: { ...base.range, ...rangesOf(drain) } };
}

function curvePoint(vus: number, runs: CapacityDigest[]): CurvePoint | null {
  if (runs.length === 0) return null;
  const figures = runs.map((d) => ({ perSecond: d.perSecond, p50Ms: d.p50Ms, p95Ms: d.p95Ms, contended: d.outcomes.contended }));
  return { vus, ...combine(figures), toStoreCeiling: null, range: rangesOf(figures) };
}

/** Worst first. */
const verdictPrecedence: SpikeVerdict[] = ['fell behind', 'shed', 'queued', 'kept up'];

/** See SpikeVerdict. A handful of dropped arrivals is k6 sharing the cores, not the strategy: 1 % of the offered load. */
export function verdictOf(spike: Pick<SpikeResult, 'droppedIterations' | 'purchases' | 'latencyMs' | 'outcomes' | 'confirmationDelayMs'>, async: boolean, keptUpP95Ms: number): SpikeVerdict {
  const offered = spike.purchases + spike.droppedIterations;
  if (spike.droppedIterations > offered * 0.01 || (spike.latencyMs.p95 ?? 0) > keptUpP95Ms) return 'fell behind';
  if (spike.outcomes.contended > 0) return 'shed';
  if (async && (spike.confirmationDelayMs?.p95 ?? 0) > keptUpP95Ms) return 'queued';
  return 'kept up';
}

function spikeOf(runs: StrategyRuns['spike'], async: boolean, keptUpP95Ms: number): SpikeResult | null {
  if (runs.length === 0) return null;
  const figures = runs.map(({ digest: d, exitCode }) => ({
    perSecond: d.throughput,
    confirmedPerSecond: d.confirmedPerSecond,
    purchases: d.purchases,
    outcomes: d.outcomes,
    droppedIterations: d.droppedIterations,
    latencyMs: d.latencyMs.all,
    latencyByOutcomeMs: {
      confirmed: d.latencyMs.confirmed,
      pending: d.latencyMs.pending,
      soldOut: d.latencyMs.soldOut,
      contended: d.latencyMs.contended,
      error: d.latencyMs.error,
    },
    stock: d.settings.stock,
    confirmedUnits: d.confirmedUnits,
    oversoldUnits: d.oversoldUnits,
    undersoldUnits: d.undersoldUnits,
    unsoldUnits: d.unsoldUnits,
    pendingUnitsLeft: d.pendingUnitsLeft,
    auditConsistent: d.auditConsistent,
    timeToSellOutMs: d.timeToSoldOutMs,
    confirmationDelayMs: d.confirmationDelayMs,
    drainAfterMs: d.drainAfterMs,
    thresholdsOk: d.thresholdsOk,
    k6ExitCode: exitCode,
  }));
  const combined = combine(figures);
  // The worst round's verdict: a round that fell behind did fall behind, whatever the medians say.
  const verdicts = figures.map((f) => verdictOf(f, async, keptUpP95Ms));
  const verdict = verdictPrecedence.find((v) => verdicts.includes(v)) ?? 'kept up';
  // The time series and dashboard of one real run: the one whose sell-out time is the median (never sold out counts as last).
  const byTime = runs.toSorted((a, b) => (a.digest.timeToSoldOutMs ?? Infinity) - (b.digest.timeToSoldOutMs ?? Infinity));
  const shown = byTime[Math.floor((byTime.length - 1) / 2)] ?? (runs[0] as StrategyRuns['spike'][number]);
  return {
    ...combined,
    // Worst run's exit code: a threshold failed in any run is visible.
    k6ExitCode: figures.map((f) => f.k6ExitCode).find((code) => code !== 0) ?? 0,
    verdict,
    dashboard: shown.dashboard,
    series: { ...shown.digest.series, timeToSellOutMs: shown.digest.timeToSoldOutMs, drainAfterMs: shown.digest.drainAfterMs },
    ratios: { toHttpAtRate: null, confirmedToStoreCeiling: null, p50ToHttpFloor: null },
    range: rangesOf(figures.map(({ k6ExitCode: _code, ...rest }) => rest)),
  };
}

/**
 * Units a strategy confirms per second in the selling phase: its answers for
 * a synchronous strategy; for an asynchronous one what its worker confirmed
 * (the drain), since a 202 is a promise, not a sale. This is what "× store"
 * and "× fastest" compare, and what the spike rate is derived from.
 */
export function confirmedRate(selling: Pick<SellingCapacity, 'perSecond' | 'drainPerSecond'> | null | undefined, async: boolean): number | null {
  if (selling === null || selling === undefined) return null;
  return async ? selling.drainPerSecond : selling.perSecond;
}

/** The median of each cost figure over the runs; null when no run measured it. */
function costOf(runs: MeasuredCost[]): CostFigures | null {
  return runs.length === 0 ? null : combine(runs);
}

/** Ratios need every strategy (the fastest safe one) and the ceilings, so they come last. */
function withRatios(results: StrategyResult[], ceilings: Ceilings): StrategyResult[] {
  const storeCeiling = (store: StoreName): number | undefined => (store === 'redis' ? ceilings.redis?.opsPerSecond : ceilings.postgres?.tps);
  const fastestOf = (figures: Array<number | null>): number | undefined => {
    const known = figures.filter((f): f is number => f !== null);
    return known.length === 0 ? undefined : Math.max(...known);
  };
  const safe = results.filter((r) => r.safe);
  const fastestSelling = fastestOf(safe.map((r) => confirmedRate(r.capacity.selling, r.async)));
  const fastestRefusing = fastestOf(safe.map((r) => r.capacity.refusing?.perSecond ?? null));
  return results.map((r) => {
    const { selling: sell, refusing: refuse } = r.capacity;
    const spike = r.spike;
    const sold = confirmedRate(sell, r.async);
    return {
      ...r,
      // An asynchronous strategy's curve counts 202s, which its store never saw: no store ratio.
      curve: r.curve.map((point) => ({ ...point, toStoreCeiling: r.async ? null : ratio(point.perSecond, storeCeiling(r.store)) })),
      capacity: {
        selling:
          sell === null
            ? null
            : {
                ...sell,
                ratios: { toHttpCeiling: ratio(sell.perSecond, r.httpCeilingNearby ?? ceilings.http?.throughput), toStoreCeiling: ratio(sold, storeCeiling(r.store)), toFastestSafe: ratio(sold, fastestSelling) },
                drainToStoreCeiling: ratio(sell.drainPerSecond, ceilings.postgres?.tps),
              },
        refusing:
          refuse === null
            ? null
            : {
                ...refuse,
                ratios: { toHttpCeiling: ratio(refuse.perSecond, r.httpCeilingNearby ?? ceilings.http?.throughput), toStoreCeiling: ratio(refuse.perSecond, storeCeiling(r.store)), toFastestSafe: ratio(refuse.perSecond, fastestRefusing) },
              },
      },
      spike:
        spike === null
          ? null
          : {
              ...spike,
              ratios: {
                toHttpAtRate: ratio(spike.perSecond, ceilings.http?.atRate.throughput),
                confirmedToStoreCeiling: ratio(spike.confirmedPerSecond, storeCeiling(r.store)),
                p50ToHttpFloor: ratio(spike.latencyMs.p50, ceilings.http?.atRate.latencyMs.p50),
              },
            },
    };
  });
}

export function strategyResults(all: StrategyRuns[], curveVus: number[], ceilings: Ceilings, keptUpP95Ms: number): StrategyResult[] {
  const results = all.map((runs): StrategyResult => {
    const curve = curveVus.flatMap((vus) => {
      const point = curvePoint(vus, runs.curve.get(vus) ?? []);
      return point === null ? [] : [point];
    });
    const counts = [runs.selling.length, runs.refusing.length, runs.spike.length, ...curveVus.map((vus) => runs.curve.get(vus)?.length ?? 0)];
    return {
      strategy: runs.strategy,
      async: runs.async,
      safe: runs.safe,
      store: runs.decidesIn,
      decidesPer: runs.decidesPer,
      capacity: { selling: selling(runs.selling), refusing: closedLoop(runs.refusing) },
      curve,
      spike: spikeOf(runs.spike, runs.async, keptUpP95Ms),
      cost: { selling: costOf(runs.cost.selling), refusing: costOf(runs.cost.refusing), spike: costOf(runs.cost.spike) },
      httpCeilingNearby: runs.httpNearby.length === 0 ? null : median(runs.httpNearby),
      projection: [],
      runs: Math.min(...counts),
    };
  });
  return withRatios(results, ceilings).map((r, i) => ({
    ...r,
    projection: project({
      async: r.async,
      decidesIn: r.store,
      locksIn: all[i]?.locksIn ?? 'none',
      selling: r.cost.selling,
      curveBest: r.curve.length === 0 ? null : Math.max(...r.curve.map((point) => point.perSecond)),
      drainPerSecond: r.capacity.selling?.drainPerSecond ?? null,
      postgresRowTps: ceilings.postgres?.tps ?? null,
    }),
  }));
}

/**
 * The default spike rate: the median of the safe strategies' selling
 * capacities, rounded up to 50/s, so about half of the safe strategies can sell
 * at the offered rate and half cannot, whatever this machine's speed (a fixed
 * rate would separate nothing on a faster machine or after a faster build).
 * Kept within 50–3,000/s: k6 shares the cores, and beyond that it, not the API,
 * would set the pace.
 */
export function deriveSpikeRate(sellingPerSecond: number[]): number {
  if (sellingPerSecond.length === 0) throw new Error('no selling capacity to derive the spike rate from');
  return Math.min(3000, Math.max(50, Math.ceil(median(sellingPerSecond) / 50) * 50));
}
