// Command-line options of `npm run compare`. Every strategy runs every phase
// with the same settings; --quick is the CI smoke run (every strategy and
// phase at reduced size, under 4 minutes on 2 cores), the defaults are the
// full run README's tables come from (with --repeat 3).
import { parseArgs } from 'node:util';
import { type ArrivalWindow, arrivalWindow, parseDurationMs } from '../k6/plan.js';

export interface CompareOptions {
  strategies: string[] | undefined;
  /** Every phase and ceiling runs this many times; the report gives medians and min–max. */
  repeat: number;
  /** Selling and refusing capacity: closed loop at this many VUs (the HTTP ceiling's VUs too) for durationMs. */
  capacity: { vus: number; durationMs: number };
  curve: { vus: number[]; durationMs: number };
  spike: {
    stock: number;
    /** Fixed arrival rate; undefined: derived from the selling capacities (build-report.ts deriveSpikeRate). */
    rate: number | undefined;
    demandFactor: number;
    /** Upper bound of the arrival window. */
    durationMs: number;
    /** p95 above which a strategy did not keep up with the spike. */
    keptUpP95Ms: number;
  };
  quick: boolean;
  /** Open report.html in headless Chromium and fail when a strategy or chart is missing. */
  checkHtml: boolean;
  /** How long a phase waits for the worker to settle queued orders and outbox events. */
  settleTimeoutMs: number;
  /** HTTP closed-loop length, redis-benchmark requests, pgbench length; nearbyHttpMs: the short HTTP ceiling before each strategy's capacity phases. */
  ceiling: { httpMs: number; redisRequests: number; pgMs: number; nearbyHttpMs: number };
  /** Every SKU the phases create gets this per-user limit (each purchase is a new buyer, so it is counted, never reached): what enforcing it costs. */
  maxPerUser: number | undefined;
  /**
   * API process counts (one port, SO_REUSEPORT): everything runs at the first;
   * the capacity phases again at each other. Undefined: the API as it runs or
   * as API_PROCESSES says.
   */
  processes: number[] | undefined;
}

export const usage = `Usage: npm run compare -- [options]

Measures every strategy the same way, one after the other, beside the
machine's ceilings (no-op HTTP route, Redis Lua, PostgreSQL hot-row UPDATE):
  1. selling capacity   closed loop on a SKU that cannot sell out: sales/s
  2. refusing capacity  closed loop on a sold-out SKU: refusals/s (run before 1)
  3. contention curve   selling capacity at several VU counts on one hot SKU
  4. spike              open-model flash sale above the slower strategies' capacity
and writes load-tests/results/<time>/ with report.json, report.md, report.html.

Options:
  --strategies a,b,c     strategies to run (default: every one the API lists)
  --repeat N             run everything N times; figures are medians with min–max (default 1)
  --vus N                VUs of the capacity phases and the HTTP ceiling (default 64)
  --capacity-duration D  length of each capacity phase (default 8s; quick 2s)
  --curve 1,8,32,128     VU counts of the contention curve (default 1,8,32,128)
  --curve-duration D     length of each curve point (default 4s; quick 1s)
  --stock N              units of the spike's SKU (default 300)
  --rate N               spike arrivals per second (default: derived from the selling capacities)
  --demand-factor F      spike purchases = stock × F (default 10; quick 4)
  --duration D           upper bound of the spike's arrival window (default 30s)
  --kept-up-p95 MS       spike p95 above which a strategy did not keep up (default 1000)
  --max-per-user N       create every SKU with this per-user limit (each purchase is a
                         new buyer: the limit is counted, never reached), to measure
                         what enforcing it costs against a run without
  --processes 1,2        start the API as that many processes (one port): everything at
                         the first count, the capacity phases again at each other one
  --quick                every strategy and phase at reduced size, under 4 minutes (CI)
  --check-html           open report.html in headless Chromium and check it (CI)
  --help                 this text`;

function positiveInt(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number >= 1, got "${raw}"`);
  return value;
}

/** --duration as k6 reads DURATION: "10s", "500ms", "1m30s" or a bare number of seconds, to milliseconds. */
export function parseDuration(raw: string, name = 'duration'): number {
  return parseDurationMs(`--${name}`, raw);
}

function vuList(raw: string): number[] {
  const list = raw.split(',').map((part) => positiveInt('curve', part.trim()));
  if (list.length < 2) throw new Error('--curve needs at least two VU counts, e.g. 1,8,32,128');
  return [...new Set(list)].sort((a, b) => a - b);
}

export function parseOptions(argv: string[]): CompareOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      strategies: { type: 'string' },
      repeat: { type: 'string' },
      vus: { type: 'string' },
      'capacity-duration': { type: 'string' },
      curve: { type: 'string' },
      'curve-duration': { type: 'string' },
      stock: { type: 'string' },
      rate: { type: 'string' },
      'demand-factor': { type: 'string' },
      duration: { type: 'string' },
      'kept-up-p95': { type: 'string' },
      'max-per-user': { type: 'string' },
      processes: { type: 'string' },
      quick: { type: 'boolean', default: false },
      'check-html': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const quick = values.quick;
  const demandFactor = Number(values['demand-factor'] ?? (quick ? '4' : '10'));
  if (!Number.isFinite(demandFactor) || demandFactor <= 1) throw new Error('--demand-factor must be a number > 1 (demand must exceed stock)');
  const strategies = values.strategies
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    strategies: strategies !== undefined && strategies.length > 0 ? strategies : undefined,
    repeat: positiveInt('repeat', values.repeat ?? '1'),
    capacity: {
      vus: positiveInt('vus', values.vus ?? '64'),
      durationMs: parseDuration(values['capacity-duration'] ?? (quick ? '2s' : '8s'), 'capacity-duration'),
    },
    curve: {
      vus: vuList(values.curve ?? '1,8,32,128'),
      durationMs: parseDuration(values['curve-duration'] ?? (quick ? '1s' : '4s'), 'curve-duration'),
    },
    spike: {
      // Quick: 300 units too, and 4× demand instead of 10×. With 100 units a strategy
      // selling 150/s sold out in 0.7 s, inside the kept-up bound, and a spike at the
      // median rate (300/s at 959fd4f) saturated no safe strategy: it compared nothing.
      stock: positiveInt('stock', values.stock ?? '300'),
      rate: values.rate === undefined ? undefined : positiveInt('rate', values.rate),
      demandFactor,
      durationMs: parseDuration(values.duration ?? '30s'),
      keptUpP95Ms: positiveInt('kept-up-p95', values['kept-up-p95'] ?? '1000'),
    },
    quick,
    checkHtml: values['check-html'],
    settleTimeoutMs: quick ? 30_000 : 60_000,
    ceiling: quick ? { httpMs: 3000, redisRequests: 50_000, pgMs: 3000, nearbyHttpMs: 1000 } : { httpMs: 10_000, redisRequests: 200_000, pgMs: 10_000, nearbyHttpMs: 2000 },
    maxPerUser: values['max-per-user'] === undefined ? undefined : positiveInt('max-per-user', values['max-per-user']),
    // In the order given, duplicates dropped: the first is the count everything runs at.
    processes: values.processes === undefined ? undefined : [...new Set(values.processes.split(',').map((part) => positiveInt('processes', part.trim())))],
  };
}

/** The spike's arrival window and purchases at `rate`, sized as the k6 scenario sizes them. */
export function spikeWindow(options: CompareOptions, rate: number): ArrivalWindow {
  return arrivalWindow(options.spike.stock, options.spike.demandFactor, rate, options.spike.durationMs);
}
