// The spike's time series as plain arithmetic: bucket sizing, counter names,
// and reading the per-bucket counters back into answers and dropped arrivals.
// No imports and no k6 or Node globals, so that k6 (./series-plan.ts) and
// Node (the unit tests, report-types.ts) share it, as they share plan.ts.

/**
 * Every counter is registered by every VU at init, and a spike initialises
 * hundreds of VUs before it starts: ~1,000 counters cost k6 4 s of the run
 * and 6 s of CPU, so the series is kept short. Buckets are a tenth of the
 * window, in whole quarter seconds, at most a second ("answers per second").
 */
const bucketStepMs = 250;
const maxBucketMs = 1000;
/**
 * The series covers this long after the window: longer than the lock
 * strategies' bounded wait (PURCHASE_WAIT_MS). Later answers (pg-optimistic
 * has no deadline and answered after 14 s when it collapsed) are counted in
 * the last bucket.
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

/** What a bucket counts: an answer by outcome (k6's outcome names), or an iteration started. */
export type SeriesKind = 'confirmed' | 'pending' | 'sold_out' | 'contended' | 'error' | 'started';

export function seriesMetric(kind: SeriesKind, index: number): string {
  return `series_${kind}_${String(index).padStart(3, '0')}`;
}

/** Answers per bucket from the scenario start, by outcome, and arrivals scheduled but never started. */
export interface SeriesCounts {
  bucketMs: number;
  /** The arrival window's end, for drawing it. */
  windowMs: number;
  confirmed: number[];
  pending: number[];
  soldOut: number[];
  contended: number[];
  error: number[];
  /** Arrivals k6 could not start in the bucket (every VU busy): offered, never sent. */
  dropped: number[];
}

/**
 * Dropped arrivals per bucket. The constant arrival rate schedules arrival n
 * at n ÷ rate; one that finds no free VU is skipped, never delayed. But an
 * iteration is stamped when it runs, a few ms after its slot, so it can land
 * in the next bucket: per bucket, scheduled − started would show a drop there
 * and a surplus after. The cumulative shortfall, taken as its minimum over
 * every later bucket (a lag that is made up later was no drop), is exact at
 * the end (k6's dropped_iterations) and never decreases; its steps are the drops.
 */
export function droppedPerBucket(started: number[], bucketMs: number, windowMs: number, rate: number): number[] {
  const scheduledBefore = (ms: number): number => Math.floor((rate * Math.min(ms, windowMs)) / 1000);
  let startedSoFar = 0;
  const shortfall = started.map((n, i) => {
    startedSoFar += n;
    return scheduledBefore((i + 1) * bucketMs) - startedSoFar;
  });
  const settled = [...shortfall];
  for (let i = settled.length - 2; i >= 0; i--) settled[i] = Math.min(settled[i] as number, settled[i + 1] as number);
  let previous = 0;
  return settled.map((cumulative) => {
    const now = Math.max(previous, cumulative, 0);
    const step = now - previous;
    previous = now;
    return step;
  });
}

/** Reads the bucket counters back (`count(metric)`, 0 when k6 has no sample) and cuts trailing empty buckets past the window. */
export function readSeries(plan: SeriesPlan, windowMs: number, rate: number, count: (metric: string) => number): SeriesCounts {
  const of = (kind: SeriesKind): number[] => Array.from({ length: plan.buckets }, (_, i) => count(seriesMetric(kind, i)));
  const series: SeriesCounts = {
    bucketMs: plan.bucketMs,
    windowMs,
    confirmed: of('confirmed'),
    pending: of('pending'),
    soldOut: of('sold_out'),
    contended: of('contended'),
    error: of('error'),
    dropped: droppedPerBucket(of('started'), plan.bucketMs, windowMs, rate),
  };
  const lists = [series.confirmed, series.pending, series.soldOut, series.contended, series.error, series.dropped];
  let last = 0;
  for (let i = 0; i < plan.buckets; i++) if (lists.some((list) => (list[i] ?? 0) > 0) || i * plan.bucketMs < windowMs) last = i + 1;
  for (const list of lists) list.length = last;
  return series;
}
