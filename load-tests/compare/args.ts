// Command-line options of `npm run compare`. Every strategy runs with the same
// settings; --quick is the CI smoke run (all strategies and ceilings in under
// 3 minutes on 2 cores), the defaults are the full run README's table comes from.
import { parseArgs } from 'node:util';
import { type ArrivalWindow, arrivalWindow, parseDurationMs } from '../k6/plan.js';

export interface CompareOptions {
  strategies: string[] | undefined;
  stock: number;
  rate: number;
  durationMs: number;
  demandFactor: number;
  quick: boolean;
  /** Open report.html in headless Chromium and fail when a strategy or chart is missing. */
  checkHtml: boolean;
  settleTimeoutMs: number;
  /** Closed-loop HTTP ceiling run, redis-benchmark requests, pgbench length. */
  ceiling: { vus: number; httpMs: number; redisRequests: number; pgMs: number };
}

export const usage = `Usage: npm run compare -- [options]

Runs the k6 flash-sale scenario once per strategy, one after the other, with
the same settings, measures the machine's ceilings (no-op HTTP route, Redis
Lua, PostgreSQL hot-row UPDATE) and writes load-tests/results/<time>/ with
report.json, report.md, report.html and a k6 dashboard per strategy.

Options:
  --strategies a,b,c   strategies to run (default: every one the API lists)
  --stock N            units of each fresh SKU (default 200; quick 50)
  --rate N             purchases started per second (default 200; quick 200)
  --duration D         upper bound of each arrival window, e.g. 10s, 1m (default 30s)
  --demand-factor F    purchases = stock × F (default 10)
  --quick              smoke run of every strategy and ceiling in under 3 minutes (CI)
  --check-html         open report.html in headless Chromium and check it (CI)
  --help               this text`;

function positiveInt(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1, got "${raw}"`);
  return value;
}

/** --duration as k6 reads DURATION: "10s", "500ms", "1m30s" or a bare number of seconds, to milliseconds. */
export function parseDuration(raw: string): number {
  return parseDurationMs('--duration', raw);
}

export function parseOptions(argv: string[]): CompareOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      strategies: { type: 'string' },
      stock: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'demand-factor': { type: 'string' },
      quick: { type: 'boolean', default: false },
      'check-html': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const demandFactor = Number(values['demand-factor'] ?? '10');
  if (!Number.isFinite(demandFactor) || demandFactor <= 1) throw new Error('--demand-factor must be a number > 1 (demand must exceed stock)');
  const strategies = values.strategies
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    strategies: strategies !== undefined && strategies.length > 0 ? strategies : undefined,
    stock: positiveInt('stock', values.stock ?? (quick ? '50' : '200')),
    rate: positiveInt('rate', values.rate ?? '200'),
    durationMs: parseDuration(values.duration ?? '30s'),
    demandFactor,
    quick,
    checkHtml: values['check-html'],
    settleTimeoutMs: quick ? 30_000 : 60_000,
    ceiling: quick
      ? { vus: 64, httpMs: 3000, redisRequests: 50_000, pgMs: 3000 }
      : { vus: 64, httpMs: 10_000, redisRequests: 200_000, pgMs: 10_000 },
  };
}

/** The arrival window and purchases every strategy gets, sized as the k6 scenario sizes them. */
export function arrivalWindowOf(options: Pick<CompareOptions, 'stock' | 'rate' | 'demandFactor' | 'durationMs'>): ArrivalWindow {
  return arrivalWindow(options.stock, options.demandFactor, options.rate, options.durationMs);
}
