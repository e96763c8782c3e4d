// The flash sale of the sample report (sample-report.ts), simulated bucket
// by bucket so the series, the outcome counts and the sell-out moment agree:
// sales while the stock lasts, then 409 to every arrival, including the
// buyers still waiting for an answer.
import type { Ceilings, OutcomeCounts, Percentiles, SpikeResult, SpikeSeries, SpikeVerdict, StoreName } from '../../load-tests/compare/report-types.js';
import { bucketMs, none, pct, rate, round, spread, stock, windowMs } from './sample-figures.js';

/** How a strategy takes the flash sale, per second while its stock lasts; after it, every arrival gets 409. */
export interface SpikeShape {
  sells: number;
  sheds?: number;
  drops?: number;
  /** 201s (202s when async) it hands out before saying sold out: naive oversells, kafka-queue accepts a few too many. */
  answeredSales?: number;
  latency: [number, number, number];
  contendedP95?: number;
  verdict: SpikeVerdict;
  confirmationP95?: number;
}

/** What the spike needs to know of a strategy. */
export interface SpikeStrategy {
  strategy: string;
  store: StoreName;
  async?: boolean;
  safe?: boolean;
  spike: SpikeShape;
}

/** The flash sale bucket by bucket: sales while the stock lasts, then 409 to everyone, including the buyers still waiting. */
function simulateSpike(s: SpikeShape, async: boolean): { series: SpikeSeries; soldOutAtMs: number | null } {
  const zeros = (): number[] => [];
  const series: SpikeSeries = { bucketMs, windowMs, confirmed: zeros(), pending: zeros(), soldOut: zeros(), contended: zeros(), error: zeros(), dropped: zeros(), timeToSellOutMs: null, drainAfterMs: null };
  const offered = (rate * bucketMs) / 1000;
  const dt = bucketMs / 1000;
  const target = s.answeredSales ?? stock;
  let [sold, waiting] = [0, 0];
  let soldOutAtMs: number | null = null;
  const push = (sales: number, soldOut: number, shed: number, dropped: number): void => {
    series.confirmed.push(async ? 0 : Math.round(sales));
    series.pending.push(async ? Math.round(sales) : 0);
    series.soldOut.push(Math.round(soldOut));
    series.contended.push(Math.round(shed));
    series.error.push(0);
    series.dropped.push(Math.round(dropped));
  };
  for (let i = 0; i < windowMs / bucketMs; i++) {
    if (sold >= target) {
      // Sold out on the bucket's edge: the first 409 opens this bucket, to everyone still waiting too.
      soldOutAtMs ??= Math.round(i * bucketMs + s.latency[0]);
      push(0, offered + waiting, 0, 0);
      waiting = 0;
      continue;
    }
    const sales = Math.min(s.sells * dt, target - sold);
    const f = sales / (s.sells * dt); // the part of the bucket spent selling
    const [shed, dropped] = [(s.sheds ?? 0) * dt * f, (s.drops ?? 0) * dt * f];
    waiting += Math.max(0, offered * f - sales - shed - dropped);
    sold += sales;
    if (f < 1) {
      // The first 409 comes one answer after the last sale; everyone still waiting hears sold out at once.
      soldOutAtMs = Math.round(i * bucketMs + f * bucketMs + s.latency[0]);
      push(sales, offered * (1 - f) + waiting, shed, dropped);
      waiting = 0;
    } else push(sales, 0, shed, dropped);
  }
  if (waiting >= 1) {
    // Never sold out: the buyers still waiting at the window's end are answered after it.
    const sales = Math.min(target - sold, (waiting * s.sells) / (s.sells + (s.sheds ?? 0)));
    push(sales, 0, waiting - sales, 0);
  }
  series.timeToSellOutMs = soldOutAtMs;
  series.drainAfterMs = async ? 0 : null;
  return { series, soldOutAtMs };
}

const sum = (values: number[]): number => values.reduce((total, n) => total + n, 0);

export function spikeResult(shape: SpikeStrategy, seed: number, measured: Ceilings): SpikeResult {
  const s = shape.spike;
  const async = shape.async ?? false;
  const { series, soldOutAtMs } = simulateSpike(s, async);
  const outcomes: OutcomeCounts = { confirmed: sum(series.confirmed), pending: sum(series.pending), soldOut: sum(series.soldOut), contended: sum(series.contended), error: 0 };
  const purchases = sum(Object.values(outcomes));
  const confirmedUnits = async ? Math.min(stock, outcomes.pending) : outcomes.confirmed;
  const [p50, p95, p99] = s.latency;
  const byOutcome = (n: number, p: Percentiles): Percentiles => (n === 0 ? none : { ...p, count: n });
  const lastAnswerMs = series.soldOut.length * bucketMs;
  const perSecond = round(purchases / (Math.max(windowMs, lastAnswerMs) / 1000));
  const confirmedPerSecond = round(confirmedUnits / ((soldOutAtMs ?? windowMs) / 1000));
  const storeCeiling = shape.store === 'redis' ? measured.redis?.opsPerSecond : measured.postgres?.tps;
  const turnedAway = outcomes.contended + outcomes.error > 0;
  const droppedIterations = sum(series.dropped);
  const unsold = Math.max(0, stock - confirmedUnits);
  const floorP50 = measured.http?.atRate.latencyMs.p50 ?? null;
  const figures = {
    perSecond,
    confirmedPerSecond,
    purchases,
    droppedIterations,
    confirmedUnits,
    oversoldUnits: Math.max(0, confirmedUnits - stock),
    undersoldUnits: turnedAway ? unsold : 0,
    unsoldUnits: unsold,
    timeToSellOutMs: soldOutAtMs,
    drainAfterMs: async ? 0 : null,
  };
  const spike: Omit<SpikeResult, 'range'> = {
    ...figures,
    outcomes,
    latencyMs: pct(p50, p95, p99, purchases),
    latencyByOutcomeMs: {
      confirmed: byOutcome(outcomes.confirmed, pct(round(p50 * 1.4), round(p95 * 1.2), p99)),
      pending: byOutcome(outcomes.pending, pct(p50, p95, p99)),
      soldOut: byOutcome(outcomes.soldOut, pct(round(p50 * 0.7), round(p95 * 0.6), round(p99 * 0.8))),
      contended: byOutcome(outcomes.contended, pct(round((s.contendedP95 ?? p95) * 0.5), s.contendedP95 ?? p95, round((s.contendedP95 ?? p95) * 1.4))),
      error: none,
    },
    stock,
    pendingUnitsLeft: async ? 0 : null,
    auditConsistent: true,
    confirmationDelayMs: s.confirmationP95 === undefined ? null : pct(180, s.confirmationP95, round(s.confirmationP95 * 1.4), confirmedUnits),
    verdict: s.verdict,
    thresholdsOk: droppedIterations === 0,
    k6ExitCode: droppedIterations === 0 ? 0 : 99,
    dashboard: shape.strategy === 'outbox' ? null : `dashboards/${shape.strategy}-spike.html`,
    series,
    ratios: {
      toHttpAtRate: measured.http === null ? null : perSecond / measured.http.atRate.throughput,
      confirmedToStoreCeiling: storeCeiling === undefined ? null : confirmedPerSecond / storeCeiling,
      p50ToHttpFloor: floorP50 === null ? null : p50 / floorP50,
    },
  };
  const range = spread(seed, spike);
  if (shape.safe !== false && !async && soldOutAtMs !== null) {
    // A safe strategy that sold out confirmed exactly the stock in every run: no spread there.
    range['outcomes.confirmed'] = [stock, stock];
    range.confirmedUnits = [stock, stock];
  }
  return { ...spike, range };
}
