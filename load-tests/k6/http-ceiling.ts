// HTTP ceiling: the purchase request of the capacity and spike phases, sent
// and recorded by the same code (api.ts purchase(), metrics.ts recordAnswer()),
// against the no-op route of load-tests/ceilings/noop-server.ts. The client's
// own work per answer counts: k6 shares the cores with the API, and its
// bookkeeping (a JSON body, a UUID, five metric samples) costs as much CPU as
// Fastify's. A ceiling whose client did less (two samples, no tags) came out
// ~1.15x higher than this one on the same server, and every ratio to it lower.
//   MODE=max  closed loop, VUS virtual users as fast as they go for DURATION:
//             the most requests per second this machine answers over HTTP.
//   MODE=rate the flash-sale's own open arrival rate (STOCK, DEMAND_FACTOR, RATE,
//             DURATION as in flash-sale.ts): the latency floor at that load.
//   ROUTE=noop (default) answers at once; ROUTE=order-row writes one order row
//             first (load-tests/ceilings/order-rows.ts): the order-row ceiling.
// Runs inside k6 (not Node).
import http from 'k6/http';
import { describe, purchase } from './api.ts';
import { recordAnswer } from './metrics.ts';
import { SUMMARY_TREND_STATS, constantArrivalScenario, envInt, envNumber, envString, parseDurationMs, planArrivals } from './options.ts';
import { msSinceScenarioStart, nextIterationKey } from './vu.ts';

const TARGET_URL = envString('TARGET_URL', 'http://127.0.0.1:3999').replace(/\/+$/, '');
const MODE = envString('MODE', 'max');
const ROUTE = envString('ROUTE', 'noop');
const DURATION_MS = parseDurationMs('DURATION', envString('DURATION', '5s'));
const REQUEST_TIMEOUT = envString('REQUEST_TIMEOUT', '30s');
const SUMMARY_PATH = envString('SUMMARY_PATH', '');
if (MODE !== 'max' && MODE !== 'rate') throw new Error(`MODE must be max or rate, got "${MODE}"`);
if (ROUTE !== 'noop' && ROUTE !== 'order-row') throw new Error(`ROUTE must be noop or order-row, got "${ROUTE}"`);

const PLAN = planArrivals(envInt('STOCK', 100), envNumber('DEMAND_FACTOR', 10), envInt('RATE', 200), DURATION_MS);
const VUS = envInt('VUS', 64);

export const options = {
  scenarios: {
    ceiling:
      MODE === 'max'
        ? { executor: 'constant-vus', vus: VUS, duration: `${DURATION_MS}ms`, gracefulStop: '10s' }
        : constantArrivalScenario(PLAN, 'default', '10s'),
  },
  thresholds: { http_req_failed: ['rate==0'] },
  summaryTrendStats: SUMMARY_TREND_STATS,
};

export function setup(): void {
  const ready = http.get(`${TARGET_URL}/health/ready`, { timeout: '10s' });
  if (ready.status !== 200) throw new Error(`no-op server at ${TARGET_URL} is not ready: ${describe(ready)}`);
}

export default function (): void {
  const res = purchase(TARGET_URL, 'ceiling', `u${nextIterationKey()}`, ROUTE, REQUEST_TIMEOUT);
  if (res.status !== 201) throw new Error(`${ROUTE} route answered ${describe(res)}`);
  recordAnswer(res, msSinceScenarioStart());
}

interface SummaryData {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
  state: { testRunDurationMs: number };
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const v = (metric: string, stat: string): number | null => data.metrics[metric]?.values[stat] ?? null;
  const requests = v('purchase_latency', 'count') ?? 0;
  const windowMs = Math.max(MODE === 'max' ? DURATION_MS : PLAN.windowMs, v('purchase_answered_at', 'max') ?? 0);
  const digest = {
    mode: MODE,
    route: ROUTE,
    vus: MODE === 'max' ? VUS : PLAN.maxVUs,
    rate: MODE === 'rate' ? PLAN.rate : null,
    durationMs: MODE === 'max' ? DURATION_MS : PLAN.windowMs,
    requests,
    throughput: requests / (windowMs / 1000),
    latencyMs: { count: requests, p50: v('purchase_latency', 'med'), p95: v('purchase_latency', 'p(95)'), p99: v('purchase_latency', 'p(99)'), max: v('purchase_latency', 'max') },
    failedRate: v('http_req_failed', 'rate'),
    droppedIterations: v('dropped_iterations', 'count') ?? 0,
  };
  const line =
    `\n  http ceiling (${ROUTE}, ${MODE}): ${requests} requests, ${digest.throughput.toFixed(0)} req/s, ` +
    `p50 ${digest.latencyMs.p50?.toFixed(2) ?? '-'}ms p95 ${digest.latencyMs.p95?.toFixed(2) ?? '-'}ms, dropped ${digest.droppedIterations}\n\n`;
  const out: Record<string, string> = { stdout: line };
  if (SUMMARY_PATH !== '') out[SUMMARY_PATH] = JSON.stringify(digest, null, 2);
  return out;
}
