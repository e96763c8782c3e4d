// Capacity of one strategy, closed loop (k6 constant-vus): VUS buyers each
// send a purchase, wait for the answer and send the next, for DURATION, on
// one fresh SKU. The compare runner's capacity and contention-curve phases.
//   MODE=selling   the SKU's stock cannot run out during the phase: sales/s
//                  (201, or 202 accepted for an asynchronous strategy, whose
//                  worker's drain rate is then read from the orders' timestamps)
//   MODE=refusing  the SKU is sold out before the phase (setup sells its one
//                  unit): refusals/s, the path most of a flash sale's buyers take
// Never read throughput off an open model below capacity: this is why these
// phases are closed loop. See load-tests/README.md. Runs inside k6 (not Node).
import { sleep } from 'k6';
import { Gauge } from 'k6/metrics';
import { OUTCOMES, checkApi, classify, createSku, describe, newRunId, purchase, settle } from './api.ts';
import { auditGauges, outcomeCounters, recordAnswer } from './metrics.ts';
import { SUMMARY_TREND_STATS, envInt, envRequired, envString, parseDurationMs } from './options.ts';
import { msSinceScenarioStart, nextIterationKey } from './vu.ts';
import { type CapacityRun, type CapacitySetup, summarizeCapacity } from './capacity-summary.ts';
import type { SummaryData } from './summary.ts';

const API_URL = envString('API_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');
const ADMIN_TOKEN = envString('ADMIN_TOKEN', '');
// Which strategy to load has no sensible default in a benchmark: the run names it.
const STRATEGY = envRequired('STRATEGY', 'a name from GET /v1/strategies');
// Per-user limit of the SKU it creates (0: unlimited); see compare's --max-per-user.
const MAX_PER_USER = envInt('MAX_PER_USER', 0, 0);
const MODE = envString('MODE', 'selling');
const VUS = envInt('VUS', 64);
const DURATION_MS = parseDurationMs('DURATION', envString('DURATION', '5s'));
// Above the API's purchase wait (PURCHASE_WAIT_MS, 800 ms; tests set 10 s), so a lock strategy's bounded 503 arrives as an answer, not a timeout.
const REQUEST_TIMEOUT = envString('REQUEST_TIMEOUT', '15s');
// Answers still in flight at the end get this long; later ones are abandoned (k6: interrupted) so a collapsed strategy cannot stretch the run.
const GRACEFUL_STOP = envString('GRACEFUL_STOP', '5s');
const SETTLE_TIMEOUT_MS = parseDurationMs('SETTLE_TIMEOUT', envString('SETTLE_TIMEOUT', '60s'));
const SUMMARY_PATH = envString('SUMMARY_PATH', '');
if (MODE !== 'selling' && MODE !== 'refusing') throw new Error(`MODE must be selling or refusing, got "${MODE}"`);

/** More than any phase can sell (the API's maximum): the selling phase never meets sold out. */
const UNLIMITED_STOCK = 1_000_000_000;

const RUN: CapacityRun = { strategy: STRATEGY, mode: MODE, vus: VUS, durationMs: DURATION_MS };

const drainAfter = new Gauge('drain_after', true);
const drainPerSecond = new Gauge('drain_per_second');

export const options = {
  scenarios: { capacity: { executor: 'constant-vus', vus: VUS, duration: `${DURATION_MS}ms`, gracefulStop: GRACEFUL_STOP } },
  // No unexpected answer; the phase's own figures are read by the runner.
  thresholds: { purchases_error: ['count==0'] },
  summaryTrendStats: SUMMARY_TREND_STATS,
  // Setup may wait for the worker twice (the sale of the one unit, a probe): room for both.
  setupTimeout: `${Math.ceil((2 * SETTLE_TIMEOUT_MS) / 1000) + 30}s`,
  teardownTimeout: `${Math.ceil(SETTLE_TIMEOUT_MS / 1000) + 30}s`,
};

/** Sells the SKU's one unit and waits until a purchase is refused, so the phase measures refusals only. */
function sellOut(sku: string, runId: string, async: boolean): void {
  const first = classify(purchase(API_URL, sku, `${runId}-seller`, STRATEGY, '30s'));
  if (first !== 'confirmed' && first !== 'pending') throw new Error(`selling the one unit of ${sku} answered ${first}`);
  if (async) settle(API_URL, ADMIN_TOKEN, sku, SETTLE_TIMEOUT_MS);
  // An asynchronous strategy answers sold out once its worker has flagged the SKU, just after the commit.
  for (let attempt = 0; attempt < 50; attempt++) {
    const res = purchase(API_URL, sku, `${runId}-probe${attempt}`, STRATEGY, '30s');
    if (classify(res) === 'sold_out') return;
    if (async) settle(API_URL, ADMIN_TOKEN, sku, SETTLE_TIMEOUT_MS);
    else throw new Error(`${sku} sold its one unit but the next purchase answered ${describe(res)}`);
    sleep(0.1);
  }
  throw new Error(`${sku} sold its one unit but never answered sold out`);
}

export function setup(): CapacitySetup {
  const info = checkApi(API_URL, ADMIN_TOKEN, STRATEGY);
  const runId = newRunId();
  const sku = `cap-${MODE === 'selling' ? 's' : 'r'}-${STRATEGY}-${runId}`.slice(0, 64);
  createSku(API_URL, ADMIN_TOKEN, sku, MODE === 'selling' ? UNLIMITED_STOCK : 1, MAX_PER_USER);
  if (MODE === 'refusing') sellOut(sku, runId, info.async);
  console.info(`capacity: strategy=${STRATEGY} mode=${MODE} sku=${sku} vus=${VUS} duration=${DURATION_MS}ms`);
  return { sku, runId, strategy: STRATEGY, async: info.async, setupEndedAt: Date.now() };
}

export default function (data: CapacitySetup): void {
  const res = purchase(API_URL, data.sku, `${data.runId}-${nextIterationKey()}`, data.strategy, REQUEST_TIMEOUT);
  recordAnswer(res, msSinceScenarioStart());
}

export function teardown(data: CapacitySetup): void {
  for (const outcome of OUTCOMES) outcomeCounters[outcome].add(0);
  // The worker's backlog (queued purchases, outbox events) is part of the phase: wait for it, timed, so it cannot load the next phase.
  const { audit } = settle(API_URL, ADMIN_TOKEN, data.sku, SETTLE_TIMEOUT_MS);
  auditGauges.oversoldUnits.add(audit.oversoldUnits);
  // Left without a sample when unknown (Redis unreadable): the summary reports null and the checks fail.
  if (audit.pendingUnits !== null) auditGauges.pendingUnitsLeft.add(audit.pendingUnits);
  if (data.async && MODE === 'selling') {
    // Last confirmation after the phase's end (PostgreSQL's clock, same machine); negative when the worker kept up.
    const lastAt = audit.asyncConfirmations.lastAt;
    if (lastAt !== null) drainAfter.add(Date.parse(lastAt) - (data.setupEndedAt + DURATION_MS));
    const span = audit.asyncConfirmations;
    if (span.spanMs !== null && span.spanMs > 0) drainPerSecond.add(span.units / (span.spanMs / 1000));
  }
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summarizeCapacity(data, RUN, SUMMARY_PATH);
}
