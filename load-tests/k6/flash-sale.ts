// Flash sale against one fresh SKU: buyers of one unit each arrive at an open
// rate (k6 constant-arrival-rate), demand a multiple of the stock, and every
// answer is sorted into an outcome. teardown() settles asynchronous
// strategies, reads the audit and turns it into metrics thresholds can check.
// See load-tests/README.md for how to run it and what each metric means.
import { sleep } from 'k6';
import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';
import exec from 'k6/execution';
import { Counter, Gauge, Trend } from 'k6/metrics';
import {
  SUMMARY_TREND_STATS,
  constantArrivalScenario,
  envInt,
  envNumber,
  envString,
  parseDurationMs,
  planArrivals,
} from './options.ts';

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

// -------------------------------------------------------------------- metrics

/** One counter and one latency trend per outcome of POST /v1/purchases. */
const OUTCOMES = ['confirmed', 'pending', 'sold_out', 'contended', 'error'] as const;
type Outcome = (typeof OUTCOMES)[number];

const outcomeCounters: Record<Outcome, Counter> = {
  confirmed: new Counter('purchases_confirmed'), // 201
  pending: new Counter('purchases_pending'), // 202 (asynchronous strategies)
  sold_out: new Counter('purchases_sold_out'), // 409 with code sold_out
  contended: new Counter('purchases_contended'), // 503 (could not decide in time, or a store is down)
  error: new Counter('purchases_error'), // anything else: other 4xx, 5xx other than 503, timeouts, connection errors
};
const outcomeLatency: Record<Outcome, Trend> = {
  confirmed: new Trend('purchase_latency_confirmed', true),
  pending: new Trend('purchase_latency_pending', true),
  sold_out: new Trend('purchase_latency_sold_out', true),
  contended: new Trend('purchase_latency_contended', true),
  error: new Trend('purchase_latency_error', true),
};
/** Latency of every purchase, whatever the outcome. */
const purchaseLatency = new Trend('purchase_latency', true);
/**
 * Milliseconds from the scenario start to the first 409 sold_out a VU saw;
 * each VU adds one sample, so the trend's **min** is the time until sold out.
 */
const timeToSoldOut = new Trend('time_to_sold_out', true);
/** Milliseconds from the scenario start to each answer; its max ends the throughput window. */
const answeredAt = new Trend('purchase_answered_at', true);

// Set by teardown() from the audit, after asynchronous strategies settled.
const oversoldUnits = new Gauge('oversold_units');
const undersoldUnits = new Gauge('undersold_units');
const unsoldUnits = new Gauge('unsold_units');
const confirmedUnits = new Gauge('confirmed_units');
const pendingUnitsLeft = new Gauge('pending_units_left');
const auditConsistent = new Gauge('audit_consistent');
const serverTurnedAway = new Gauge('server_turned_away');
const settleTime = new Gauge('settle_time', true);

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
  initialStock: number;
  plan: typeof PLAN;
  /** purchase_requests_total of this strategy by outcome, before the run. */
  serverOutcomesBefore: Record<string, number>;
}

function adminHeaders(): Record<string, string> {
  return { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
}

function describe(res: RefinedResponse<ResponseType | undefined>): string {
  const body = typeof res.body === 'string' ? res.body.slice(0, 300) : '';
  return `HTTP ${res.status}${res.error ? ` (${res.error})` : ''} ${body}`;
}

/** purchase_requests_total{strategy=STRATEGY} by outcome, from the API's Prometheus endpoint. */
function serverOutcomes(): Record<string, number> {
  const res = http.get(`${API_URL}/metrics`, { tags: { name: 'metrics' }, timeout: '10s' });
  const counts: Record<string, number> = {};
  if (res.status !== 200 || typeof res.body !== 'string') return counts;
  for (const line of res.body.split('\n')) {
    if (!line.startsWith('purchase_requests_total{')) continue;
    const labels = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
    const strategy = /strategy="([^"]*)"/.exec(labels)?.[1];
    const outcome = /outcome="([^"]*)"/.exec(labels)?.[1];
    if (strategy !== STRATEGY || outcome === undefined) continue;
    counts[outcome] = (counts[outcome] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return counts;
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
    headers: adminHeaders(),
    tags: { name: 'create-sku' },
    timeout: '10s',
  });
  if (created.status !== 201) throw new Error(`POST /v1/admin/skus failed: ${describe(created)}`);

  console.info(
    `flash sale: strategy=${STRATEGY} sku=${sku} stock=${STOCK} rate=${RATE}/s window=${PLAN.windowMs}ms ` +
      `purchases≈${PLAN.plannedPurchases} VUs=${PLAN.preAllocatedVUs}..${PLAN.maxVUs}`,
  );
  return {
    sku,
    runId,
    strategy: STRATEGY,
    async: info.async,
    initialStock: STOCK,
    plan: PLAN,
    serverOutcomesBefore: serverOutcomes(),
  };
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

interface Audit {
  initialStock: number;
  confirmedUnits: number;
  pendingUnits: number;
  oversoldUnits: number;
  consistent: boolean;
}

function readAudit(sku: string): Audit {
  const res = http.get(`${API_URL}/v1/admin/skus/${encodeURIComponent(sku)}/audit`, {
    headers: adminHeaders(),
    tags: { name: 'audit' },
    timeout: '10s',
  });
  if (res.status !== 200) throw new Error(`GET audit of ${sku} failed: ${describe(res)}`);
  return res.json() as unknown as Audit;
}

/** Outcomes the API counts as a buyer turned away for a reason other than sold out. */
const NOT_TURNED_AWAY = new Set(['confirmed', 'pending', 'sold_out', 'replayed']);

export function teardown(data: SetupData): void {
  // Thresholds need a sample even when an outcome never happened.
  for (const outcome of OUTCOMES) outcomeCounters[outcome].add(0);

  let audit = readAudit(data.sku);
  if (data.async) {
    // Asynchronous strategies answered 202; wait (bounded) until the worker settled every order.
    const started = Date.now();
    while (audit.pendingUnits > 0 && Date.now() - started < SETTLE_TIMEOUT_MS) {
      sleep(0.25);
      audit = readAudit(data.sku);
    }
    settleTime.add(Date.now() - started);
    if (audit.pendingUnits > 0) {
      console.warn(`${audit.pendingUnits} unit(s) still pending after ${SETTLE_TIMEOUT_MS} ms`);
    }
  }

  // Buyers turned away for a reason other than sold out, as the API counted
  // them (purchase_requests_total of this strategy, delta over the run). The
  // counter is process-wide: run one scenario at a time against the API.
  const before = data.serverOutcomesBefore;
  const after = serverOutcomes();
  let turnedAway = 0;
  for (const [outcome, count] of Object.entries(after)) {
    if (!NOT_TURNED_AWAY.has(outcome)) turnedAway += count - (before[outcome] ?? 0);
  }

  // undersold_units: stock left unsold while buyers were refused for reasons
  // other than sold out (503 contended/unavailable, errors). Defined as
  // initialStock − confirmedUnits (after settling) when at least one buyer got
  // such a refusal, else 0: with only 201/202/409 answers, unsold stock means
  // demand ran out, not that the strategy turned buyers away.
  const unsold = Math.max(0, audit.initialStock - audit.confirmedUnits);
  const undersold = turnedAway > 0 ? unsold : 0;

  oversoldUnits.add(audit.oversoldUnits);
  undersoldUnits.add(undersold);
  unsoldUnits.add(unsold);
  confirmedUnits.add(audit.confirmedUnits);
  pendingUnitsLeft.add(audit.pendingUnits);
  auditConsistent.add(audit.consistent ? 1 : 0);
  serverTurnedAway.add(turnedAway);

  console.info(
    `audit ${data.sku}: confirmed=${audit.confirmedUnits}/${audit.initialStock} oversold=${audit.oversoldUnits} ` +
      `undersold=${undersold} pending=${audit.pendingUnits} consistent=${audit.consistent} serverTurnedAway=${turnedAway}`,
  );
}

// ------------------------------------------------------------------- summary

interface MetricSummary {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface SummaryData {
  metrics: Record<string, MetricSummary | undefined>;
  state: { testRunDurationMs: number };
  setup_data?: SetupData;
}

function value(data: SummaryData, metric: string, stat: string): number | null {
  const v = data.metrics[metric]?.values[stat];
  return v === undefined ? null : v;
}

function latency(data: SummaryData, metric: string) {
  return {
    count: value(data, metric, 'count') ?? 0,
    avg: value(data, metric, 'avg'),
    p50: value(data, metric, 'med'),
    p90: value(data, metric, 'p(90)'),
    p95: value(data, metric, 'p(95)'),
    p99: value(data, metric, 'p(99)'),
    max: value(data, metric, 'max'),
  };
}

/** The figures the compare runner needs, in one flat object. */
function digest(data: SummaryData) {
  const counts = {
    confirmed: value(data, 'purchases_confirmed', 'count') ?? 0,
    pending: value(data, 'purchases_pending', 'count') ?? 0,
    soldOut: value(data, 'purchases_sold_out', 'count') ?? 0,
    contended: value(data, 'purchases_contended', 'count') ?? 0,
    error: value(data, 'purchases_error', 'count') ?? 0,
  };
  const answered = counts.confirmed + counts.pending + counts.soldOut + counts.contended + counts.error;
  // Throughput counts from the scenario start to the last answer (at least the
  // arrival window): a saturated strategy answers long after the window closed.
  const lastAnswerMs = value(data, 'purchase_answered_at', 'max') ?? 0;
  const windowS = Math.max(PLAN.windowMs, lastAnswerMs) / 1000;
  const soldOutMs = value(data, 'time_to_sold_out', 'min');
  const confirmedUnitsValue = value(data, 'confirmed_units', 'value');
  const thresholdResults: Record<string, Record<string, boolean>> = {};
  let thresholdsOk = true;
  for (const [name, metric] of Object.entries(data.metrics)) {
    if (metric?.thresholds === undefined) continue;
    thresholdResults[name] = {};
    for (const [expr, result] of Object.entries(metric.thresholds)) {
      thresholdResults[name][expr] = result.ok;
      thresholdsOk &&= result.ok;
    }
  }
  return {
    strategy: STRATEGY,
    async: data.setup_data?.async ?? null,
    sku: data.setup_data?.sku ?? null,
    settings: {
      stock: STOCK,
      rate: RATE,
      durationCapMs: DURATION_MS,
      windowMs: PLAN.windowMs,
      demandFactor: DEMAND_FACTOR,
      targetPurchases: PLAN.targetPurchases,
      plannedPurchases: PLAN.plannedPurchases,
      preAllocatedVUs: PLAN.preAllocatedVUs,
      maxVUs: PLAN.maxVUs,
    },
    purchases: answered,
    lastAnswerMs,
    /** Purchases answered per second, from the scenario start to the last answer (at least the arrival window). */
    throughput: answered / windowS,
    /**
     * Units confirmed (audit, so asynchronous strategies count too) per second
     * until the first sold_out answer, or over the window when it never sold out.
     */
    confirmedPerSecond:
      (confirmedUnitsValue ?? counts.confirmed) / ((soldOutMs !== null && soldOutMs > 0 ? soldOutMs : PLAN.windowMs) / 1000),
    outcomes: counts,
    latencyMs: {
      all: latency(data, 'purchase_latency'),
      confirmed: latency(data, 'purchase_latency_confirmed'),
      pending: latency(data, 'purchase_latency_pending'),
      soldOut: latency(data, 'purchase_latency_sold_out'),
      contended: latency(data, 'purchase_latency_contended'),
      error: latency(data, 'purchase_latency_error'),
    },
    droppedIterations: value(data, 'dropped_iterations', 'count') ?? 0,
    confirmedUnits: confirmedUnitsValue,
    oversoldUnits: value(data, 'oversold_units', 'value'),
    undersoldUnits: value(data, 'undersold_units', 'value'),
    unsoldUnits: value(data, 'unsold_units', 'value'),
    pendingUnitsLeft: value(data, 'pending_units_left', 'value'),
    auditConsistent: value(data, 'audit_consistent', 'value') === 1,
    serverTurnedAway: value(data, 'server_turned_away', 'value'),
    timeToSoldOutMs: soldOutMs,
    settleMs: value(data, 'settle_time', 'value'),
    testRunDurationMs: data.state.testRunDurationMs,
    thresholds: thresholdResults,
    thresholdsOk,
  };
}

function ms(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(1)}ms`;
}

function text(d: ReturnType<typeof digest>): string {
  const lines = [
    '',
    `  flash sale · ${d.strategy}${d.async ? ' (async)' : ''} · sku ${d.sku}`,
    `  stock ${d.settings.stock} · rate ${d.settings.rate}/s · window ${d.settings.windowMs}ms · ` +
      `purchases ${d.purchases} (planned ${d.settings.plannedPurchases}) · dropped iterations ${d.droppedIterations}`,
    `  throughput ${d.throughput.toFixed(1)} req/s (last answer at ${ms(d.lastAnswerMs)}) · ` +
      `confirmed ${d.confirmedPerSecond.toFixed(1)} units/s until sold out`,
    `  outcomes  confirmed ${d.outcomes.confirmed} · pending ${d.outcomes.pending} · sold_out ${d.outcomes.soldOut} · ` +
      `contended ${d.outcomes.contended} · error ${d.outcomes.error}`,
    '  latency   outcome     count      p50       p95       p99       max',
  ];
  for (const [name, l] of Object.entries(d.latencyMs)) {
    if (l.count === 0) continue;
    lines.push(
      `            ${name.padEnd(10)} ${String(l.count).padStart(6)} ${ms(l.p50).padStart(9)} ${ms(l.p95).padStart(9)} ` +
        `${ms(l.p99).padStart(9)} ${ms(l.max).padStart(9)}`,
    );
  }
  lines.push(
    `  audit     confirmed units ${d.confirmedUnits ?? '-'} · oversold ${d.oversoldUnits ?? '-'} · undersold ${d.undersoldUnits ?? '-'} ` +
      `· unsold ${d.unsoldUnits ?? '-'} · pending left ${d.pendingUnitsLeft ?? '-'} · consistent ${d.auditConsistent}`,
    `  time to sold out ${ms(d.timeToSoldOutMs)}${d.settleMs !== null ? ` · settled ${ms(d.settleMs)} after the last request` : ''}`,
    '  thresholds',
  );
  for (const [name, exprs] of Object.entries(d.thresholds)) {
    for (const [expr, ok] of Object.entries(exprs)) lines.push(`    ${ok ? '✓' : '✗'} ${name} ${expr}`);
  }
  lines.push('');
  return lines.join('\n');
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const d = digest(data);
  if (data.setup_data === undefined) {
    // setup() threw (API not ready, bad settings): there is nothing to report.
    return { stdout: '\n  flash sale: setup failed, no purchases were made (see the error above)\n\n' };
  }
  const out: Record<string, string> = { stdout: text(d) };
  if (SUMMARY_PATH !== '') out[SUMMARY_PATH] = JSON.stringify({ ...d, k6: { metrics: data.metrics, state: data.state } }, null, 2);
  return out;
}
