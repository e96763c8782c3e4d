// --repeat N: one figure per field from N runs of a phase. The machine is
// shared and noisy, so a figure is the median of the runs and its spread is
// kept beside it as [min, max]. A few fields must not be smoothed: a safe
// strategy that oversold once has oversold, so those take the worst run.
import type { Range, Ranges } from './report-types.js';

export function median(values: number[]): number {
  const sorted = values.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Field names (at any depth) that take the largest value over the runs instead
 * of the median: units oversold or left pending, and unexpected answers
 * (`outcomes.error`). A check on the combined figure then fails if any run failed it.
 */
const worstOfRuns = new Set(['oversoldUnits', 'pendingUnitsLeft', 'error']);

/**
 * Field names whose null is a result that sorts last, not a gap: a spike that
 * never sold out. Their median treats null as later than any time (and is
 * null only when most runs never sold out).
 */
const nullSortsLast = new Set(['timeToSellOutMs']);

function combineValues(values: unknown[], key: string): unknown {
  const first = values[0];
  if (nullSortsLast.has(key) && values.every((value) => typeof value === 'number' || value === null)) {
    const middle = median(values.map((value) => (value === null ? Number.POSITIVE_INFINITY : (value as number))));
    return Number.isFinite(middle) ? middle : null;
  }
  if (typeof first === 'number' || first === null) {
    // A figure unknown in any run is unknown: a median of the runs that had it would claim more than was measured.
    if (values.some((value) => typeof value !== 'number')) return null;
    const numbers = values as number[];
    return worstOfRuns.has(key) ? Math.max(...numbers) : median(numbers);
  }
  if (typeof first === 'boolean') return values.every((value) => value === true);
  if (isRecord(first)) {
    if (!values.every(isRecord)) return null;
    return combine(values as Array<Record<string, unknown>>);
  }
  // Strings and arrays (a time series, names): the first run's, as they are not figures to average.
  return first;
}

/** One object from N runs of the same shape: the median of each number, the worst of `worstOfRuns`. */
export function combine<T extends object>(runs: T[]): T {
  if (runs.length === 0) throw new Error('combine: no runs');
  const records = runs as unknown as Array<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(records[0] as Record<string, unknown>)) {
    out[key] = combineValues(
      records.map((run) => run[key]),
      key,
    );
  }
  return out as T;
}

function numericLeaves(value: unknown, prefix: string, into: Map<string, number>): void {
  if (typeof value === 'number') into.set(prefix, value);
  else if (isRecord(value)) {
    for (const [key, child] of Object.entries(value)) {
      // Ratios are recomputed from the medians; a range of them would mix runs and ceilings.
      if (key === 'range' || key === 'ratios') continue;
      numericLeaves(child, prefix === '' ? key : `${prefix}.${key}`, into);
    }
  }
}

/**
 * [min, max] of every numeric field over the runs, by its dotted path
 * (`perSecond`, `latencyMs.p95`); a field that is not a number in every run has none.
 */
export function rangesOf(runs: object[]): Ranges {
  const perRun = runs.map((run) => {
    const leaves = new Map<string, number>();
    numericLeaves(run, '', leaves);
    return leaves;
  });
  const ranges: Ranges = {};
  for (const path of perRun[0]?.keys() ?? []) {
    const values = perRun.map((leaves) => leaves.get(path));
    if (values.every((value): value is number => value !== undefined)) {
      const range: Range = [Math.min(...values), Math.max(...values)];
      ranges[path] = range;
    }
  }
  return ranges;
}
