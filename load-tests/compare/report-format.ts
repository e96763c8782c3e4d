// Number formatting shared by the markdown and HTML reports, so a figure reads
// the same on the terminal, in the README and in the browser.
import type { Range } from './report-types.js';

/** What a figure that could not be measured (null) shows: an en dash, never 0. */
export const NONE = '–';

// en-US grouping is fixed on purpose: the README must not change with the locale of the machine that ran it.
const grouped = (value: number, decimals: number): string =>
  value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });

/** Units, answers, iterations: integers with thousands separators. */
export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? NONE : grouped(Math.round(value), 0);
}

/** Rates per second: integers, except below 10 where one decimal still carries information. */
export function rate(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  return grouped(value, Math.abs(value) < 10 && value !== 0 ? 1 : 0);
}

/** Milliseconds: one decimal under 100 (where 0.8 vs 1.6 matters), none above. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return NONE;
  return grouped(value, Math.abs(value) < 100 ? 1 : 0);
}

/** A ratio to a ceiling: two decimals and a multiplication sign, `0.21×`. */
export function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? NONE : `${grouped(value, 2)}×`;
}

/**
 * `380–450`: the min–max of a median's runs in the figure's own format; null
 * without a range or when all three read the same (`0 (0–0)` says nothing a
 * plain `0` does not).
 */
export function rangeText(value: number | null | undefined, range: Range | undefined, format: (value: number) => string): string | null {
  if (value === null || value === undefined || range === undefined) return null;
  const [figure, low, high] = [format(value), format(range[0]), format(range[1])];
  return low === figure && high === figure ? null : `${low}–${high}`;
}

/** `412 (380–450)`: a median and the min–max of its runs; the figure alone when there is no spread to show. */
export function ranged(value: number | null | undefined, range: Range | undefined, format: (value: number) => string): string {
  if (value === null || value === undefined) return NONE;
  const spread = rangeText(value, range, format);
  return spread === null ? format(value) : `${format(value)} (${spread})`;
}

/** Whole seconds when round, else one decimal: the arrival window and durations in prose. */
export function seconds(msValue: number): string {
  const s = msValue / 1000;
  return `${Number.isInteger(s) ? grouped(s, 0) : grouped(s, 1)} s`;
}

/** `2025-06-01 14:03 UTC` from an ISO time; the ISO text itself when it does not parse. */
export function utcMinute(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Wall time between two ISO times, `6 min 12 s`; null when either does not parse. */
export function elapsed(fromIso: string, toIso: string): string | null {
  const totalS = Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000);
  if (!Number.isFinite(totalS) || totalS < 0) return null;
  const min = Math.floor(totalS / 60);
  return min === 0 ? `${totalS} s` : `${min} min ${totalS % 60} s`;
}
