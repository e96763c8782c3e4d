// The sample report's settings and its figure helpers (sample-report.ts,
// sample-spike.ts): one place for the run's constants and for the min–max
// spread every figure gets over the three runs.
import type { Ceilings, Percentiles, Ranges } from '../../load-tests/compare/report-types.js';

export const repeat = 3;
export const capacityVus = 64;
export const curveVus = [1, 8, 32, 128];
export const phaseMs = 10_000;
export const stock = 1_000;
export const rate = 500;
export const demandFactor = 10;
export const windowMs = (stock * demandFactor * 1000) / rate; // 20 s
export const bucketMs = 1_000;
export const keptUpP95Ms = 250;

export const round = (n: number): number => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 10) / 10);
export const pct = (p50: number, p95: number, p99: number, count = 1): Percentiles => ({ count, p50, p95, p99, max: round(p99 * 1.6) });
export const none: Percentiles = { count: 0, p50: null, p95: null, p99: null, max: null };

/** Set by the run, not measured: the same in every run, so no spread. */
const fixed = new Set(['vus', 'durationMs', 'stock', 'count', 'rate', 'clients', 'requests']);
/** Taken from the worst run rather than the median (aggregate.ts): the figure is the top of its range. */
const worst = new Set(['oversoldUnits', 'pendingUnitsLeft', 'error']);

/**
 * Min–max of three runs around the median, for every numeric field by its
 * dotted path (`perSecond`, `latencyMs.p95`) as report.json has them: a few
 * percent on a shared 2-core box, a little different per strategy.
 */
export function spread(seed: number, figures: object, prefix = '', into: Ranges = {}): Ranges {
  const [low, high] = [1 - (0.03 + 0.01 * (seed % 4)), 1 + (0.02 + 0.015 * (seed % 3))];
  for (const [key, value] of Object.entries(figures)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'number' && !fixed.has(key)) into[path] = worst.has(key) ? [round(value * low), value] : [round(value * low), round(value * high)];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && key !== 'ratios' && key !== 'range') spread(seed, value, path, into);
  }
  return into;
}

export function ceilings(): Ceilings {
  const http = {
    throughput: 9_040,
    latencyMs: pct(5.8, 12.1, 18.0, 90_400),
    vus: capacityVus,
    durationMs: phaseMs,
    atRate: { rate, throughput: 499.9, latencyMs: pct(0.7, 1.5, 2.9, 10_000), droppedIterations: 0 },
    dashboard: 'dashboards/http-ceiling.html',
  };
  const orderRow = { throughput: 4_410, latencyMs: pct(13.9, 24.6, 31.0, 44_100), vus: capacityVus, durationMs: phaseMs };
  const redis = {
    opsPerSecond: 25_300,
    latencyMs: pct(1.8, 3.1, 4.4, 200_000),
    clients: 50,
    requests: 200_000,
    command: 'redis-benchmark -p 6380 -c 50 -n 200000 EVALSHA 3f1a9c 1 bench:stock 1',
  };
  const postgres = {
    tps: 2_980,
    latencyAvgMs: 5.4,
    clients: 16,
    durationMs: phaseMs,
    command: 'pgbench -n -c 16 -j 2 -T 10 -f hot-row-update.sql flash_sale',
  };
  return {
    http: { ...http, range: spread(1, http) },
    orderRow: { ...orderRow, range: spread(4, orderRow) },
    redis: { ...redis, range: spread(2, redis) },
    postgres: { ...postgres, range: spread(3, postgres) },
  };
}
