// Shared settings of the k6 scenarios: environment parsing, run sizing and
// option presets. Runs inside k6 (not Node): only k6 globals such as __ENV.

import { type ArrivalWindow, arrivalWindow } from './plan.ts';

export { parseDurationMs } from './plan.ts';

/** Percentiles every scenario reports (the compare runner reads p(50), p(95), p(99)). */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max', 'count'];

export function envString(name: string, fallback: string): string {
  const value = __ENV[name];
  return value === undefined || value === '' ? fallback : value;
}

/** A setting the run cannot guess: stops at init with what to set. */
export function envRequired(name: string, what: string): string {
  const value = __ENV[name];
  if (value === undefined || value === '') throw new Error(`${name} is required: ${what}`);
  return value;
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

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export interface ArrivalPlan extends ArrivalWindow {
  /** Requests started per second. */
  rate: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

/**
 * Size an open-model run: the window from plan.ts arrivalWindow (the script
 * warns when DURATION caps it). VUs: an arrival-rate executor needs about
 * rate × latency VUs in flight. On a 2-core box a VU initialised mid-run
 * takes CPU from the API under test (and k6 drops arrivals while it waits), so
 * one second of arrivals is initialised before the start (bounded to 500),
 * and up to two seconds of latency are allowed (bounded to 1000); beyond that
 * k6 drops iterations and reports them as dropped_iterations, itself a result.
 */
export function planArrivals(stock: number, demandFactor: number, rate: number, durationCapMs: number): ArrivalPlan {
  return {
    rate,
    ...arrivalWindow(stock, demandFactor, rate, durationCapMs),
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
