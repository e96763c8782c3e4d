// The tables of the report as plain text cells, built once so the markdown
// (terminal, README) and the HTML page can never disagree on a figure.
// Ceilings and the run's context are in report-facts.ts.
import { count, ms, NONE, ranged, rangeText, rate, ratio } from './report-format.js';
import type { Range, Ranges, Ratios, Report, StoreName, StrategyResult } from './report-types.js';

/**
 * One cell: the figure, its min–max over the repeats, and what qualifies it
 * (ratios, 503s). Kept apart so the page can set range and detail smaller on
 * lines of their own; the markdown joins them: `412 (380–450) · 0.05×`.
 */
export interface Cell {
  figure: string;
  range: string | null;
  detail: string | null;
}

export interface Column {
  header: string;
  /** A sentence for the HTML header's tooltip and the "what each column means" list. */
  meaning: string;
  numeric: boolean;
  cell: (result: StrategyResult) => Cell;
  /** A figure nobody may miss (a safe strategy that oversold): red on the page. */
  alarm?: (result: StrategyResult) => boolean;
}

export interface Table {
  columns: Column[];
  /** Sentences under the table: what the ratios and dashes mean. */
  legend: string;
}

export const cellText = (cell: Cell): string =>
  `${cell.figure}${cell.range === null ? '' : ` (${cell.range})`}${cell.detail === null ? '' : ` · ${cell.detail}`}`;

const plain = (figure: string): Cell => ({ figure, range: null, detail: null });

/** A measured figure in its format, its range apart; `–` when it was not measured. */
const figure = (value: number | null | undefined, range: Range | undefined, format: (value: number) => string, detail: string | null = null): Cell => ({
  figure: value === null || value === undefined ? NONE : format(value),
  range: rangeText(value, range, format),
  detail,
});

export const storeLabel: Record<StoreName, string> = { redis: 'Redis', postgres: 'PostgreSQL' };

/** `PostgreSQL (async)`, `PostgreSQL (unsafe)`: where the deduction runs, and what kind of strategy it is. */
export const deductsIn = (r: StrategyResult): string =>
  `${storeLabel[r.store]}${r.async ? ' (async)' : ''}${r.safe ? '' : ' (unsafe)'}`;

/** Ranges only with more than one run: with one, min = max = the figure. */
function rangeReader(report: Report): (ranges: Ranges | undefined, key: string) => Range | undefined {
  const show = report.settings.repeat > 1;
  return (ranges, key) => (show && ranges !== undefined ? ranges[key] : undefined);
}

const strategyColumn: Column = { header: 'strategy', meaning: 'the stock-deduction strategy', numeric: false, cell: (r) => plain(r.strategy) };

const dashLegend = `${NONE}: not measured, or not applicable (no drain for a synchronous strategy, never sold out)`;

/** The unsafe baselines by name, for the legends (recognised by `safe`, not by name). */
function unsafeSentence(report: Report): string {
  const names = report.strategies.filter((r) => !r.safe).map((r) => r.strategy);
  if (names.length === 0) return '';
  return ` ${names.join(', ')} ${names.length === 1 ? 'is the unsafe baseline: it is' : 'are unsafe baselines: they are'} meant to oversell.`;
}

function rangeSentence(report: Report): string {
  const n = report.settings.repeat;
  // Worded for both renderers: the markdown puts the min–max in brackets, the page under the figure.
  return n > 1 ? ` Medians of ${n} runs, with their min–max.` : ' One run each.';
}

/** Selling and refusing capacity, closed loop, and the async worker's drain rate. */
export function capacityTable(report: Report): Table {
  const range = rangeReader(report);
  const { vus } = report.settings.capacity;
  const ratios = (r: Ratios, keys: (keyof Ratios)[]): string => keys.map((key) => ratio(r[key])).join(' · ');
  return {
    columns: [
      strategyColumn,
      {
        header: 'deducts in',
        meaning: "the store the deduction runs in, whose single-key ceiling is the strategy's bound; async: answers 202 and a worker confirms later",
        numeric: false,
        cell: (r) => plain(deductsIn(r)),
      },
      {
        header: 'selling/s (× HTTP, store, fastest)',
        meaning: `sales per second, closed loop at ${count(vus)} VUs on stock that cannot run out (201, or 202 from an async front door); then its ratio to the HTTP no-op ceiling, to its store's single-key ceiling and to the fastest safe strategy`,
        numeric: true,
        cell: (r) => {
          const s = r.capacity.selling;
          if (s === null) return plain(NONE);
          return figure(s.perSecond, range(s.range, 'perSecond'), rate, ratios(s.ratios, ['toHttpCeiling', 'toStoreCeiling', 'toFastestSafe']));
        },
      },
      {
        header: 'selling p95 ms',
        meaning: 'p95 latency of every answer of the selling phase',
        numeric: true,
        cell: (r) => figure(r.capacity.selling?.p95Ms, range(r.capacity.selling?.range, 'p95Ms'), ms),
      },
      {
        header: 'refusing/s (× HTTP, fastest)',
        meaning: `409 sold_out answers per second, closed loop at ${count(vus)} VUs on a sold-out SKU; then its ratio to the HTTP no-op ceiling and to the fastest safe strategy`,
        numeric: true,
        cell: (r) => {
          const s = r.capacity.refusing;
          if (s === null) return plain(NONE);
          return figure(s.perSecond, range(s.range, 'perSecond'), rate, ratios(s.ratios, ['toHttpCeiling', 'toFastestSafe']));
        },
      },
      {
        header: 'refusing p95 ms',
        meaning: 'p95 latency of every answer of the refusing phase',
        numeric: true,
        cell: (r) => figure(r.capacity.refusing?.p95Ms, range(r.capacity.refusing?.range, 'p95Ms'), ms),
      },
      {
        header: 'async drain/s (× PostgreSQL)',
        meaning: "async strategies: units the worker confirmed per second during the selling phase, and its ratio to the PostgreSQL hot-row ceiling (where the worker applies)",
        numeric: true,
        cell: (r) => {
          const s = r.capacity.selling;
          if (s === null || s.drainPerSecond === null) return plain(NONE);
          return figure(s.drainPerSecond, range(s.range, 'drainPerSecond'), rate, ratio(s.drainToStoreCeiling));
        },
      },
    ],
    legend:
      `× HTTP: ratio to the no-op HTTP ceiling (closed loop, same VUs) measured for a second or two just before the strategy's phases (the run's own when that failed). × store: ratio to the single-key ceiling of the store the strategy deducts in. ` +
      `× fastest: ratio to the fastest safe strategy in the same phase (1.00× for it). An asynchronous strategy's selling/s counts the 202s its front door ` +
      `accepted${asyncWorkerClause(report)}; its × store and × fastest use what its worker confirmed (the drain), since a 202 is not yet a sale. ${dashLegend}.${rangeSentence(report)}${unsafeSentence(report)}`,
  };
}

function asyncWorkerClause(report: Report): string {
  return report.settings.capacity.asyncWorker === 'paused'
    ? ' with its worker paused (the front door alone on the cores), and its drain is the worker applying the backlog once the load ended'
    : ' with its worker running beside it on the same cores (a worker this run did not start is not paused), so its drain cannot exceed the front door';
}

/** Selling closed loop at each of the curve's VUs: sales/s and p95 per cell. */
export function curveTable(report: Report): Table {
  const range = rangeReader(report);
  const columns = report.settings.curve.vus.map(
    (vus): Column => ({
      header: `${count(vus)} VU${vus === 1 ? '' : 's'}`,
      meaning: `sales per second / p95 ms, selling closed loop at ${count(vus)} VU${vus === 1 ? '' : 's'}; then the 503 answers, if any`,
      numeric: true,
      cell: (r) => {
        // Matched by VUs, not position: a point that failed is missing, and the next must not slide into its column.
        const point = r.curve.find((p) => p.vus === vus);
        if (point === undefined) return plain(NONE);
        const p95 = point.p95Ms === null ? NONE : `${ranged(point.p95Ms, range(point.range, 'p95Ms'), ms)} ms`;
        // Two figures in one cell: their ranges stay inline beside each, where they cannot be mistaken for the other's.
        return {
          figure: `${ranged(point.perSecond, range(point.range, 'perSecond'), rate)} / ${p95}`,
          range: null,
          detail: [point.toStoreCeiling === null ? null : `${ratio(point.toStoreCeiling)} store`, point.contended > 0 ? `${count(point.contended)} × 503` : null]
            .filter((part) => part !== null)
            .join(' · ') || null,
        };
      },
    }),
  );
  return {
    columns: [strategyColumn, ...columns],
    legend:
      `Each cell: sales per second / p95 latency, one hot SKU, every buyer sending the next purchase as soon as the last is answered; ` +
      `× store: sales per second over the single-key ceiling of the store the strategy deducts in (none for an asynchronous strategy, whose cells count 202s). ` +
      `× 503: answers that gave up (lock wait, retries) at that concurrency. ${NONE}: not measured.${rangeSentence(report)}`,
  };
}

/** The flash sale, open model: how each strategy took the spike. */
export function spikeTable(report: Report): Table {
  const range = rangeReader(report);
  const outcome = (header: string, key: 'confirmed' | 'pending' | 'soldOut' | 'contended', meaning: string): Column => ({
    header,
    meaning,
    numeric: true,
    cell: (r) => figure(r.spike?.outcomes[key], range(r.spike?.range, `outcomes.${key}`), count),
  });
  const spikeFigure = (
    key: 'perSecond' | 'droppedIterations' | 'timeToSellOutMs' | 'drainAfterMs' | 'oversoldUnits' | 'undersoldUnits',
    format: (value: number) => string,
  ): ((r: StrategyResult) => Cell) => {
    return (r) => figure(r.spike?.[key], range(r.spike?.range, key), format);
  };
  const { keptUpP95Ms } = report.settings.spike;
  return {
    columns: [
      strategyColumn,
      {
        header: 'verdict',
        meaning: `how it took the spike: fell behind (arrivals dropped or p95 over ${ms(keptUpP95Ms)} ms), shed (503s), queued (async, confirmed later than that), kept up`,
        numeric: false,
        cell: (r) => plain(r.spike?.verdict ?? NONE),
      },
      { header: 'answered/s', meaning: 'purchases answered per second, from the start to the last answer', numeric: true, cell: spikeFigure('perSecond', rate) },
      outcome('201', 'confirmed', '201 confirmed'),
      outcome('202', 'pending', '202 accepted, confirmed later by a worker (async strategies)'),
      outcome('409', 'soldOut', '409 sold_out'),
      outcome('503', 'contended', '503: could not decide in time, or a store was down'),
      {
        header: 'dropped',
        meaning: 'arrivals k6 could not start because every VU was busy: offered, never sent',
        numeric: true,
        cell: spikeFigure('droppedIterations', count),
      },
      {
        header: 'p95 ms',
        meaning: 'p95 latency of every answer',
        numeric: true,
        cell: (r) => figure(r.spike?.latencyMs.p95, range(r.spike?.range, 'latencyMs.p95'), ms),
      },
      {
        header: '503 p95 ms',
        meaning: 'p95 latency of the 503 answers: how fast the shed buyers heard no',
        numeric: true,
        cell: (r) => figure(r.spike?.latencyByOutcomeMs.contended.p95, range(r.spike?.range, 'latencyByOutcomeMs.contended.p95'), ms),
      },
      {
        header: 'sold out at ms',
        meaning: `from the scenario start to the first 409 sold_out; ${NONE} when it never sold out`,
        numeric: true,
        cell: spikeFigure('timeToSellOutMs', ms),
      },
      {
        header: 'drained after ms',
        meaning: 'async strategies: from the end of the arrival window until nothing was pending',
        numeric: true,
        cell: (r) => (r.async ? spikeFigure('drainAfterMs', ms)(r) : plain(NONE)),
      },
      {
        header: 'oversold',
        meaning: 'units confirmed beyond the stock (audit after settling); with repeats, the worst run',
        numeric: true,
        cell: spikeFigure('oversoldUnits', count),
        alarm: (r) => r.safe && (r.spike?.oversoldUnits ?? 0) > 0,
      },
      {
        header: 'undersold',
        meaning: 'stock left unsold while buyers were turned away for a reason other than sold out',
        numeric: true,
        cell: spikeFigure('undersoldUnits', count),
      },
    ],
    legend:
      `Verdict, first that applies: fell behind (k6 dropped arrivals or p95 over ${ms(keptUpP95Ms)} ms), shed (answered 503), ` +
      `queued (async, confirmed later than ${ms(keptUpP95Ms)} ms), kept up. 201/202/409/503: answers by status. ${dashLegend}.` +
      `${report.settings.repeat > 1 ? ` Medians of ${report.settings.repeat} runs, with their min–max; the verdict and oversold are the worst run's; a run that never sold out counts as the latest.` : ''}` +
      unsafeSentence(report),
  };
}
