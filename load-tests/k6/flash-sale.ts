// Flash sale against one fresh SKU: buyers of one unit each arrive at an open
// rate (k6 constant-arrival-rate), demand a multiple of the stock, and every
// answer is sorted into an outcome. teardown() settles asynchronous
// strategies, reads the audit and turns it into metrics thresholds can check.
// See load-tests/README.md for how to run it and what each metric means.
import { sleep } from 'k6';
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import exec from 'k6/execution';
import { type Audit, adminHeaders, describe, readAudit, serverOutcomes } from './api.ts';
import {
  OUTCOMES,
  type Outcome,
  answeredAt,
  auditGauges,
  outcomeCounters,
  outcomeLatency,
  purchaseLatency,
  timeToSoldOut,
} from './metrics.ts';
import {
  SUMMARY_TREND_STATS,
  constantArrivalScenario,
  envInt,
  envNumber,
  envString,
  parseDurationMs,
  planArrivals,
} from './options.ts';
import { type RunInfo, type SummaryData, summarize } from './summary.ts';

// ---------------------------------------------------------------- settings

const API_URL = envString('API_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');
const ADMIN_TOKEN = envString('ADMIN_TOKEN', '');
const STRATEGY = envString('STRATEGY', 'pg-atomic');
const STOCK = envInt('STOCK', 100);
const RATE = envInt('RATE', 200);
const DURATION_MS = parseDurationMs('DURATION', envString('DURATION', '10s'));
const DEMAND_FACTOR = envNumber('DEMAND_FACTOR', 10);
const SETTLE_TIMEOUT_MS = parseDurationMs('SETTLE_TIMEOUT', envString('SETTLE_TIMEOUT', '60s'));
const REQUEST_TIMEOUT = envString('REQUEST_TIMEOUT', '30s');
const SUMMARY_PATH = envString('SUMMARY_PATH', '');

const PLAN = planArrivals(STOCK, DEMAND_FACTOR, RATE, DURATION_MS);
const RUN: RunInfo = { strategy: STRATEGY, stock: STOCK, rate: RATE, durationCapMs: DURATION_MS, demandFactor: DEMAND_FACTOR, plan: PLAN };

// -------------------------------------------------------------------- options

const thresholds: Record<string, string[]> = {
  // No 5xx other than 503, and no other unexpected answer either.
  purchases_error: ['count==0'],
};
if (STRATEGY !== 'naive') thresholds['oversold_units'] = ['value==0'];

export const options = {
  scenarios: { flash_sale: constantArrivalScenario(PLAN) },
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
  /** purchase_requests_total of this strategy by outcome, before the run; null when unreadable. */
  serverOutcomesBefore: Record<string, number> | null;
}

export function setup(): SetupData {
  if (ADMIN_TOKEN === '') throw new Error('ADMIN_TOKEN is required (it is in .env after the first npm start)');

  const ready = http.get(`${API_URL}/health/ready`, { tags: { name: 'health' }, timeout: '10s' });
  if (ready.status !== 200) throw new Error(`API at ${API_URL} is not ready: ${describe(ready)}`);

  const list = http.get(`${API_URL}/v1/strategies`, { tags: { name: 'strategies' }, timeout: '10s' });
  if (list.status !== 200) throw new Error(`GET /v1/strategies failed: ${describe(list)}`);
  const strategies = list.json() as Array<{ name: string; async: boolean }>;
  const info = strategies.find((s) => s.name === STRATEGY);
  if (info === undefined) {
    throw new Error(`Unknown STRATEGY "${STRATEGY}"; the API knows: ${strategies.map((s) => s.name).join(', ')}`);
  }

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
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
  const sku = `k6-${STRATEGY}-${runId}`.slice(0, 64);
  const created = http.post(`${API_URL}/v1/admin/skus`, JSON.stringify({ sku, stock: STOCK }), {
    headers: adminHeaders(ADMIN_TOKEN),
    tags: { name: 'create-sku' },
    timeout: '10s',
  });
  if (created.status !== 201) throw new Error(`POST /v1/admin/skus failed: ${describe(created)}`);

  console.info(
    `flash sale: strategy=${STRATEGY} sku=${sku} stock=${STOCK} rate=${RATE}/s window=${PLAN.windowMs}ms ` +
      `purchases≈${PLAN.plannedPurchases} VUs=${PLAN.preAllocatedVUs}..${PLAN.maxVUs}`,
  );
  return { sku, runId, strategy: STRATEGY, async: info.async, serverOutcomesBefore: serverOutcomes(API_URL, STRATEGY) };
}

/** Per VU: whether it has already reported its first sold_out, and how many errors it logged. */
let soldOutSeen = false;
let errorsLogged = 0;

function classify(res: RefinedResponse<ResponseType | undefined>): Outcome {
  switch (res.status) {
    case 201:
      return 'confirmed';
    case 202:
      return 'pending';
    case 503:
      return 'contended';
    case 409: {
      let code: unknown;
      try {
        code = res.json('code');
      } catch {
        code = undefined;
      }
      return code === 'sold_out' ? 'sold_out' : 'error'; // e.g. idempotency_key_in_flight: a bug here
    }
    default:
      return 'error';
  }
}

export default function (data: SetupData): void {
  const iteration = exec.scenario.iterationInTest;
  const res = http.post(
    `${API_URL}/v1/purchases`,
    JSON.stringify({ sku: data.sku, userId: `${data.runId}-u${iteration}`, quantity: 1 }),
    {
      headers: {
        'content-type': 'application/json',
        'x-strategy': data.strategy,
        'idempotency-key': crypto.randomUUID(),
      },
      tags: { name: 'purchase' },
      timeout: REQUEST_TIMEOUT,
      responseCallback: http.expectedStatuses(201, 202, 409, 503),
    },
  );
  const outcome = classify(res);
  outcomeCounters[outcome].add(1);
  outcomeLatency[outcome].add(res.timings.duration);
  purchaseLatency.add(res.timings.duration);
  const sinceStart = Date.now() - exec.scenario.startTime;
  answeredAt.add(sinceStart);
  if (outcome === 'sold_out' && !soldOutSeen) {
    soldOutSeen = true;
    timeToSoldOut.add(sinceStart);
  }
  if (outcome === 'error' && errorsLogged < 3) {
    errorsLogged += 1;
    console.warn(`unexpected purchase answer: ${describe(res)}`);
  }
}

/** Waits (bounded) until an asynchronous strategy's worker settled every order; the wait in ms. */
function settle(sku: string, audit: Audit): { audit: Audit; waitedMs: number } {
  const started = Date.now();
  let current = audit;
  while (current.pendingUnits > 0 && Date.now() - started < SETTLE_TIMEOUT_MS) {
    sleep(0.25);
    current = readAudit(API_URL, ADMIN_TOKEN, sku);
  }
  if (current.pendingUnits > 0) console.warn(`${current.pendingUnits} unit(s) still pending after ${SETTLE_TIMEOUT_MS} ms`);
  return { audit: current, waitedMs: Date.now() - started };
}

/** Outcomes that are NOT a buyer turned away for a reason other than sold out. */
const NOT_TURNED_AWAY = new Set(['confirmed', 'pending', 'sold_out', 'replayed']);

/**
 * Buyers turned away for a reason other than sold out, as the API counted
 * them (purchase_requests_total of this strategy, delta over the run); null
 * when either reading failed. The counter is process-wide: run one scenario
 * at a time against the API.
 */
function turnedAwayDuringRun(before: Record<string, number> | null): number | null {
  const after = serverOutcomes(API_URL, STRATEGY);
  if (before === null || after === null) return null;
  let turnedAway = 0;
  for (const [outcome, count] of Object.entries(after)) {
    if (!NOT_TURNED_AWAY.has(outcome)) turnedAway += count - (before[outcome] ?? 0);
  }
  return turnedAway;
}

export function teardown(data: SetupData): void {
  // Thresholds need a sample even when an outcome never happened.
  for (const outcome of OUTCOMES) outcomeCounters[outcome].add(0);

  let audit = readAudit(API_URL, ADMIN_TOKEN, data.sku);
  if (data.async) {
    const settled = settle(data.sku, audit);
    audit = settled.audit;
    auditGauges.settleTime.add(settled.waitedMs);
  }

  const turnedAway = turnedAwayDuringRun(data.serverOutcomesBefore);

  // undersold_units: stock left unsold while buyers were refused for reasons
  // other than sold out (503 contended/unavailable, errors). Defined as
  // initialStock − confirmedUnits (after settling) when at least one buyer got
  // such a refusal, else 0: with only 201/202/409 answers, unsold stock means
  // demand ran out, not that the strategy turned buyers away.
  const unsold = Math.max(0, audit.initialStock - audit.confirmedUnits);
  const undersold = turnedAway === null ? null : turnedAway > 0 ? unsold : 0;

  auditGauges.oversoldUnits.add(audit.oversoldUnits);
  // Left without a sample when unknown: the summary then reports null and the compare checks fail.
  if (undersold !== null) auditGauges.undersoldUnits.add(undersold);
  auditGauges.unsoldUnits.add(unsold);
  auditGauges.confirmedUnits.add(audit.confirmedUnits);
  auditGauges.pendingUnitsLeft.add(audit.pendingUnits);
  auditGauges.auditConsistent.add(audit.consistent ? 1 : 0);
  if (turnedAway !== null) auditGauges.serverTurnedAway.add(turnedAway);
  const delay = audit.confirmationDelayMs;
  auditGauges.confirmationDelayCount.add(delay.count);
  if (delay.count > 0) {
    auditGauges.confirmationDelayP50.add(delay.p50 ?? 0);
    auditGauges.confirmationDelayP95.add(delay.p95 ?? 0);
    auditGauges.confirmationDelayP99.add(delay.p99 ?? 0);
    auditGauges.confirmationDelayMax.add(delay.max ?? 0);
  }

  console.info(
    `audit ${data.sku}: confirmed=${audit.confirmedUnits}/${audit.initialStock} oversold=${audit.oversoldUnits} ` +
      `undersold=${undersold} pending=${audit.pendingUnits} consistent=${audit.consistent} serverTurnedAway=${turnedAway}`,
  );
}

export function handleSummary(data: SummaryData): Record<string, string> {
  return summarize(data, RUN, SUMMARY_PATH);
}
