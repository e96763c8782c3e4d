// Answers per time bucket over the flash sale, by outcome, and arrivals
// started per bucket (so dropped = scheduled − started). k6 keeps no time
// series in its summary, and its streaming outputs would write a line per
// sample from the same two cores as the API; so each bucket is a counter of
// its own, created up front in the init context (k6 allows no new metric
// later). Runs inside k6 (not Node).
import { Counter } from 'k6/metrics';
// Type only (erased when k6 loads the script): the digest's series is report.json's.
import type { SpikeSeries } from '../compare/report-types.ts';
import { OUTCOMES, type Outcome } from './metrics.ts';

/**
 * Every counter is registered by every VU at init, and a spike initialises
 * hundreds of VUs before it starts: ~1,000 counters cost k6 4 s of the run
 * and 6 s of CPU, so the series is kept short. Buckets are a tenth of the
 * window, in whole quarter seconds, at most a second ("answers per second").
 */
const bucketStepMs = 250;
const maxBucketMs = 1000;
/**
 * The series covers this long after the window: longer than the longest
 * bounded wait of a strategy (LOCK_WAIT_MS, 10 s). Later answers (a collapsed
 * strategy's) are counted in the last bucket.
 */
export const seriesTailMs = 15_000;

export interface SeriesPlan {
  bucketMs: number;
  buckets: number;
}

export function planSeries(windowMs: number): SeriesPlan {
  const bucketMs = Math.min(maxBucketMs, Math.max(bucketStepMs, Math.ceil(windowMs / 10 / bucketStepMs) * bucketStepMs));
  return { bucketMs, buckets: Math.ceil((windowMs + seriesTailMs) / bucketMs) };
}

const pad = (index: number): string => String(index).padStart(3, '0');
const metricName = (kind: Outcome | 'started', index: number): string => `series_${kind}_${pad(index)}`;

export interface SeriesRecorder {
  answered(outcome: Outcome, msSinceStart: number): void;
  started(msSinceStart: number): void;
}

export function createSeries(plan: SeriesPlan): SeriesRecorder {
  const kinds = [...OUTCOMES, 'started'] as const;
  const counters = new Map<string, Counter>();
  for (const kind of kinds) for (let i = 0; i < plan.buckets; i++) counters.set(metricName(kind, i), new Counter(metricName(kind, i)));
  // A late answer (past the series' tail) still counts, in the last bucket.
  const bucketOf = (ms: number): number => Math.min(plan.buckets - 1, Math.max(0, Math.floor(ms / plan.bucketMs)));
  return {
    answered(outcome, ms) {
      counters.get(metricName(outcome, bucketOf(ms)))?.add(1);
    },
    started(ms) {
      counters.get(metricName('started', bucketOf(ms)))?.add(1);
    },
  };
}


/**
 * Reads the bucket counters back from the end-of-test summary. Dropped per
 * bucket is what the constant arrival rate scheduled in it minus what
 * started (an arrival that finds no free VU is skipped, not delayed).
 * Trailing empty buckets are cut.
 */
export function readSeries(plan: SeriesPlan, windowMs: number, rate: number, count: (metric: string) => number): SpikeSeries {
  const of = (kind: Outcome | 'started'): number[] => Array.from({ length: plan.buckets }, (_, i) => count(metricName(kind, i)));
  const started = of('started');
  const scheduled = (i: number): number => {
    const from = i * plan.bucketMs;
    const to = Math.min(windowMs, from + plan.bucketMs);
    return to <= from ? 0 : Math.floor((rate * to) / 1000) - Math.floor((rate * from) / 1000);
  };
  const series: SpikeSeries = {
    bucketMs: plan.bucketMs,
    windowMs,
    confirmed: of('confirmed'),
    pending: of('pending'),
    soldOut: of('sold_out'),
    contended: of('contended'),
    error: of('error'),
    dropped: started.map((n, i) => Math.max(0, scheduled(i) - n)),
  };
  const lists = [series.confirmed, series.pending, series.soldOut, series.contended, series.error, series.dropped];
  let last = 0;
  for (let i = 0; i < plan.buckets; i++) if (lists.some((list) => (list[i] ?? 0) > 0) || i * plan.bucketMs < windowMs) last = i + 1;
  for (const list of lists) list.length = last;
  return series;
}
