// Shared settings of the k6 scenarios: environment parsing, run sizing and
// option presets. Runs inside k6 (not Node): only k6 globals such as __ENV.

/** Percentiles every scenario reports (the compare runner reads p(50), p(95), p(99)). */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'];

export function envString(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envInt(name: string, fallback: number, min = 1): number {
  const raw = envString(name, String(fallback));
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return value;
}

export function envNumber(name: string, fallback: number, min = 0): number {
  const raw = envString(name, String(fallback));
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= min) throw new Error(`${name} must be a number > ${min}, got "${raw}"`);
  return value;
}

/** k6-style duration ("500ms", "10s", "1m30s", "1h"; a bare number is seconds) to milliseconds. */
export function parseDurationMs(name: string, text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) {
    if (Number(text) <= 0) throw new Error(`${name} must be longer than 0, got "${text}"`);
    return Math.round(Number(text) * 1000);
  }
  const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (match === null) throw new Error(`${name} must be a duration such as 10s, 500ms or 1m30s, got "${text}"`);
    total += Number(match[1]) * (unitMs[match[2] as string] as number);
    rest = rest.slice(match[0].length);
  }
  if (total <= 0) throw new Error(`${name} must be longer than 0, got "${text}"`);
  return Math.round(total);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export interface ArrivalPlan {
  /** Requests started per second. */
  rate: number;
  /** Length of the arrival window actually used, in milliseconds. */
  windowMs: number;
  /** Purchases the window will start: rate × window. */
  plannedPurchases: number;
  /** Purchases asked for: STOCK × DEMAND_FACTOR. */
  targetPurchases: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

/**
 * Size an open-model run. Demand is what matters in a flash sale, so the run
 * is sized from STOCK × DEMAND_FACTOR purchases arriving at RATE per second:
 * the window lasts targetPurchases / RATE seconds, capped by DURATION (when the
 * cap applies, fewer purchases arrive and the effective demand factor is lower;
 * the script warns). VUs: an arrival-rate executor needs about
 * rate × latency VUs in flight. On a 2-core box a VU initialised mid-run
 * takes CPU from the API under test (and k6 drops arrivals while it waits), so
 * one second of arrivals is initialised before the start (bounded to 500),
 * and up to two seconds of latency are allowed (bounded to 1000); beyond that
 * k6 drops iterations and reports them as dropped_iterations, itself a result.
 */
export function planArrivals(stock: number, demandFactor: number, rate: number, durationCapMs: number): ArrivalPlan {
  const targetPurchases = Math.ceil(stock * demandFactor);
  const windowMs = Math.max(1, Math.min(durationCapMs, Math.ceil((targetPurchases * 1000) / rate)));
  return {
    rate,
    windowMs,
    plannedPurchases: Math.floor((rate * windowMs) / 1000),
    targetPurchases,
    preAllocatedVUs: envInt('PRE_ALLOCATED_VUS', clamp(rate, 20, 500)),
    maxVUs: envInt('MAX_VUS', clamp(Math.ceil(rate * 2), 50, 1000)),
  };
}

/** A constant-arrival-rate (open model) scenario running `exec` for the plan's window. */
export function constantArrivalScenario(plan: ArrivalPlan, exec = 'default', gracefulStop = '35s') {
  return {
    executor: 'constant-arrival-rate',
    exec,
    rate: plan.rate,
    timeUnit: '1s',
    duration: `${plan.windowMs}ms`,
    preAllocatedVUs: Math.min(plan.preAllocatedVUs, plan.maxVUs),
    maxVUs: plan.maxVUs,
    gracefulStop,
  };
}
