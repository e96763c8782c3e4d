// Flash sale against one fresh SKU: buyers of one unit each arrive at an open
// rate (k6 constant-arrival-rate), demand a multiple of the stock, and every
// answer is sorted into an outcome and into a time bucket (series.ts).
// teardown() settles asynchronous strategies, reads the audit and turns it
// into metrics thresholds can check. The compare runner's spike phase.
// See load-tests/README.md for how to run it and what each metric means.
import { msSinceScenarioStart, nextIterationKey } from './vu.ts';
import { OUTCOMES, checkApi, createSku, newRunId, purchase, settle } from './api.ts';
import { auditGauges, outcomeCounters, recordAnswer, timeToSoldOut } from './metrics.ts';
import {
  SUMMARY_TREND_STATS,
  constantArrivalScenario,
  envInt,
  envNumber,
  envRequired,
  envString,
  parseDurationMs,
  planArrivals,
} from './options.ts';
import { createSeries } from './series.ts';
import { planSeries } from './series-plan.ts';
import { type RunInfo, type SummaryData, summarize } from './summary.ts';

// ---------------------------------------------------------------- settings

const API_URL = envString('API_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');
const ADMIN_TOKEN = envString('ADMIN_TOKEN', '');
// Which strategy to load has no sensible default in a benchmark: the run names it.
const STRATEGY = envRequired('STRATEGY', 'a name from GET /v1/strategies');
// Per-user limit of the SKU it creates (0: unlimited); see compare's --max-per-user.
const MAX_PER_USER = envInt('MAX_PER_USER', 0, 0);
const STOCK = envInt('STOCK', 100);
const RATE = envInt('RATE', 200);
const DURATION_MS = parseDurationMs('DURATION', envString('DURATION', '10s'));
const DEMAND_FACTOR = envNumber('DEMAND_FACTOR', 10);
const SETTLE_TIMEOUT_MS = parseDurationMs('SETTLE_TIMEOUT', envString('SETTLE_TIMEOUT', '60s'));
const REQUEST_TIMEOUT = envString('REQUEST_TIMEOUT', '30s');
const SUMMARY_PATH = envString('SUMMARY_PATH', '');

const PLAN = planArrivals(STOCK, DEMAND_FACTOR, RATE, DURATION_MS);
// Answers can come until the graceful stop ends the scenario: a request timeout after the last arrival, and a margin.
const GRACEFUL_STOP_MS = parseDurationMs('REQUEST_TIMEOUT', REQUEST_TIMEOUT) + 5000;
const SERIES = planSeries(PLAN.windowMs);
const series = createSeries(SERIES);
const RUN: RunInfo = { strategy: STRATEGY, stock: STOCK, rate: RATE, durationCapMs: DURATION_MS, demandFactor: DEMAND_FACTOR, plan: PLAN, series: SERIES };

// -------------------------------------------------------------------- options

const thresholds: Record<string, string[]> = {
  // No 5xx other than 503, and no other unexpected answer either.
  purchases_error: ['count==0'],
  // Units a safe strategy oversold: none allowed (the unsafe baseline's own oversell is reported, in oversold_units).
  safe_oversold_units: ['value==0'],
};

export const options = {
  scenarios: { flash_sale: constantArrivalScenario(PLAN, 'default', `${GRACEFUL_STOP_MS}ms`) },
  thresholds,
  summaryTrendStats: SUMMARY_TREND_STATS,
  setupTimeout: '60s',
  teardownTimeout: `${Math.ceil(SETTLE_TIMEOUT_MS / 1000) + 60}s`,
  // No usage report: run with K6_NO_USAGE_REPORT=true (it is not a script option).
};

// ---------------------------------------------------------------- lifecycle

interface SetupData {
  sku: string;
  runId: string;
  strategy: string;
  async: boolean;
  /** From the API's facts: false for the unsafe baseline, whose oversell is reported and not a failed threshold. */
  safe: boolean;
  /** Epoch ms at the end of setup(): the scenario starts right after. */
  setupEndedAt: number;
}

export function setup(): SetupData {
  const info = checkApi(API_URL, ADMIN_TOKEN, STRATEGY);
  if (PLAN.plannedPurchases < PLAN.targetPurchases) {
    console.warn(
      `DURATION caps the run: ${PLAN.plannedPurchases} purchases instead of ${PLAN.targetPurchases} ` +
        `(demand factor ${(PLAN.plannedPurchases / STOCK).toFixed(2)} instead of ${DEMAND_FACTOR})`,
    );
  }
  if (PLAN.plannedPurchases <= STOCK) {
    console.warn(`Demand (${PLAN.plannedPurchases}) does not exceed stock (${STOCK}): the SKU cannot sell out`);
  }

  // A fresh SKU per run; the code also prefixes user ids and idempotency keys.
  const runId = newRunId();
  const sku = `k6-${STRATEGY}-${runId}`.slice(0, 64);
  createSku(API_URL, ADMIN_TOKEN, sku, STOCK, MAX_PER_USER);
  console.info(
    `flash sale: strategy=${STRATEGY} sku=${sku} stock=${STOCK} rate=${RATE}/s window=${PLAN.windowMs}ms ` +
      `purchases≈${PLAN.plannedPurchases} VUs=${PLAN.preAllocatedVUs}..${PLAN.maxVUs}`,
  );
  return { sku, runId, strategy: STRATEGY, async: info.async, safe: info.safe, setupEndedAt: Date.now() };
}

/** Per VU: whether it has already reported its first sold_out. */
let soldOutSeen = false;

export default function (data: SetupData): void {
  series.started(msSinceScenarioStart());
  const res = purchase(API_URL, data.sku, `${data.runId}-u${nextIterationKey()}`, data.strategy, REQUEST_TIMEOUT);
  const sinceStart = msSinceScenarioStart();
  const outcome = recordAnswer(res, sinceStart);
  series.answered(outcome, sinceStart);
  if (outcome === 'sold_out' && !soldOutSeen) {
    soldOutSeen = true;
    timeToSoldOut.add(sinceStart);
  }
}

export function teardown(data: SetupData): void {
  // Thresholds need a sample even when an outcome never happened.
  for (const outcome of OUTCOMES) outcomeCounters[outcome].add(0);

  // Also for synchronous strategies: the outbox relay must not still be publishing when the next run starts.
  const settled = settle(API_URL, ADMIN_TOKEN, data.sku, SETTLE_TIMEOUT_MS);
  const audit = settled.audit;
  if (data.async) {
    auditGauges.settleTime.add(settled.waitedMs);
    // From the end of the arrival window to the last confirmation (PostgreSQL's clock, same machine):
    // how long the queue took to drain; negative when it was empty before the window closed.
    const lastAt = audit.asyncConfirmations.lastAt;
    if (lastAt !== null) auditGauges.drainAfterWindow.add(Date.parse(lastAt) - (data.setupEndedAt + PLAN.windowMs));
  }

  // undersold_units (summary.ts): this unsold stock, when k6 saw any buyer
  // turned away for a reason other than sold out (503, errors), else 0. Counted
  // from k6's own answers, not the API's /metrics: with N API processes on one
  // port that endpoint is one process's count.
  // A reserve hold is that strategy's sale decision (its units are off the
  // stock until paid or released), so held units count as taken here.
  const taken = audit.confirmedUnits + audit.reservedUnits;
  const unsold = Math.max(0, audit.initialStock - taken);

  auditGauges.oversoldUnits.add(audit.oversoldUnits);
  auditGauges.safeOversoldUnits.add(data.safe ? audit.oversoldUnits : 0);
  auditGauges.unsoldUnits.add(unsold);
  auditGauges.confirmedUnits.add(taken);
  // Left without a sample when unknown (Redis unreadable): the summary reports null and the checks fail.
  if (audit.pendingUnits !== null) auditGauges.pendingUnitsLeft.add(audit.pendingUnits);
  auditGauges.auditConsistent.add(audit.consistent ? 1 : 0);
  const delay = audit.confirmationDelayMs;
  auditGauges.confirmationDelayCount.add(delay.count);
  if (delay.count > 0) {
    auditGauges.confirmationDelayP50.add(delay.p50 ?? 0);
    auditGauges.confirmationDelayP95.add(delay.p95 ?? 0);
    auditGauges.confirmationDelayP99.add(delay.p99 ?? 0);
    auditGauges.confirmationDelayMax.add(delay.max ?? 0);
  }

  console.info(
    `audit ${data.sku}: confirmed=${audit.confirmedUnits}/${audit.initialStock} held=${audit.reservedUnits} oversold=${audit.oversoldUnits} ` +
      `unsold=${unsold} pending=${audit.pendingUnits} consistent=${audit.consistent}`,
  );
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summarize(data, RUN, SUMMARY_PATH);
}
