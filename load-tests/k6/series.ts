// Answers per time bucket over the flash sale, by outcome, and arrivals
// started per bucket (dropped = scheduled − started; see series-plan.ts). k6
// keeps no time series in its summary, and its streaming outputs would write
// a line per sample from the same two cores as the API; so each bucket is a
// counter of its own, created up front in the init context (k6 allows no new
// metric later). Runs inside k6 (not Node).
import { Counter } from 'k6/metrics';
import { OUTCOMES, type Outcome } from './api.ts';
import { type SeriesPlan, seriesMetric } from './series-plan.ts';

export interface SeriesRecorder {
  answered(outcome: Outcome, msSinceStart: number): void;
  started(msSinceStart: number): void;
}

export function createSeries(plan: SeriesPlan): SeriesRecorder {
  const counters = new Map<string, Counter>();
  for (const kind of [...OUTCOMES, 'started'] as const) {
    for (let i = 0; i < plan.buckets; i++) counters.set(seriesMetric(kind, i), new Counter(seriesMetric(kind, i)));
  }
  // A late answer (past the series' tail) still counts, in the last bucket.
  const bucketOf = (ms: number): number => Math.min(plan.buckets - 1, Math.max(0, Math.floor(ms / plan.bucketMs)));
  return {
    answered(outcome, ms) {
      counters.get(seriesMetric(outcome, bucketOf(ms)))?.add(1);
    },
    started(ms) {
      counters.get(seriesMetric('started', bucketOf(ms)))?.add(1);
    },
  };
}
