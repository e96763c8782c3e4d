// A flash sale's crowd with and without a waiting room: STOCK × DEMAND_FACTOR
// buyers arrive within ARRIVAL_MS on one SKU sold with STRATEGY.
//   MODE=room    the SKU has a waiting room (admitPerSecond ADMIT, draw of
//                ARRIVAL_MS): each buyer joins, polls like a browser (every
//                1-2 s with jitter) and buys once admitted, with its token.
//   MODE=direct  no room: each buyer buys at once and, answered 503, sends
//                the same purchase again after 1-2 s, as a browser's retry.
// Each buyer lives until its final answer (bought, sold out, admission
// expired) or BUYER_LIMIT; the digest reports admitted/s, each buyer's time
// to its final answer, purchase latency, when those who got nothing learned
// it, 503s and retries, and the audit. The compare runner's waiting-room phase.
// Runs inside k6 (not Node).
import { sleep } from 'k6';
import exec from 'k6/execution';
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { Counter, Gauge, Trend } from 'k6/metrics';
import type { SpreadMs, WaitingRoomDigest } from '../compare/digests.ts';
import { type SkuRun, checkApi, createSku, describe, newRunId, readAudit } from './api.ts';
import { SUMMARY_TREND_STATS, envInt, envRequired, envString, parseDurationMs } from './options.ts';
import { type SummaryData, value } from './summary.ts';

const API_URL = envString('API_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');
const ADMIN_TOKEN = envString('ADMIN_TOKEN', '');
const MODE = envString('MODE', 'room');
if (MODE !== 'room' && MODE !== 'direct') throw new Error(`MODE must be room or direct, got "${MODE}"`);
const STOCK = envInt('STOCK', 100);
const DEMAND_FACTOR = envInt('DEMAND_FACTOR', 10);
const ARRIVAL_MS = parseDurationMs('ARRIVAL', envString('ARRIVAL', '2s'));
const BUYER_LIMIT_MS = parseDurationMs('BUYER_LIMIT', envString('BUYER_LIMIT', '60s'));
const ADMIT = envString('ADMIT', 'auto');
const SUMMARY_PATH = envString('SUMMARY_PATH', '');
const strategy = envRequired('STRATEGY', 'the strategy the buyers buy with');
const BUYERS = STOCK * DEMAND_FACTOR;
// A request past this is given up and sent again; well inside the graceful stop below, so no buyer is cut off mid-request.
const requestTimeout = '10s';

const counters = {
  buyers: new Counter('wr_buyers'),
  admitted: new Counter('wr_admitted'),
  bought: new Counter('wr_bought'),
  soldOut: new Counter('wr_sold_out'),
  expired: new Counter('wr_expired'),
  gaveUp: new Counter('wr_gave_up'),
  errors: new Counter('wr_errors'),
  purchase503: new Counter('wr_purchase_503'),
  retries: new Counter('wr_retries'),
  lineRequests: new Counter('wr_line_requests'),
  line503: new Counter('wr_line_503'),
};
const trends = {
  final: new Trend('wr_final', true),
  purchase: new Trend('wr_purchase', true),
  soldOutLearned: new Trend('wr_sold_out_learned', true),
  // Milliseconds since the scenario began at each admission: the span of admissions.
  admittedAt: new Trend('wr_admitted_at', true),
};
const audited = { confirmedUnits: new Gauge('wr_confirmed_units'), oversoldUnits: new Gauge('wr_oversold_units') };

export const options = {
  scenarios: {
    crowd: {
      executor: 'constant-arrival-rate',
      rate: BUYERS,
      timeUnit: `${ARRIVAL_MS}ms`,
      duration: `${ARRIVAL_MS}ms`,
      // Every buyer waits in its own VU until its final answer.
      // (and a few spare: the executor starts an arrival a moment before the VU before it is free).
      preAllocatedVUs: BUYERS + 20,
      maxVUs: BUYERS + 20,
      gracefulStop: `${Math.ceil(BUYER_LIMIT_MS / 1000) + 30}s`,
    },
  },
  thresholds: { wr_oversold_units: ['value==0'] },
  summaryTrendStats: SUMMARY_TREND_STATS,
  setupTimeout: '30s',
  teardownTimeout: '60s',
};

export function setup(): SkuRun {
  checkApi(API_URL, ADMIN_TOKEN, strategy);
  const runId = newRunId();
  const sku = `wr-${MODE}-${runId}`.slice(0, 64);
  // The draw spans the arrivals: who clicks first by milliseconds gains nothing.
  const room = MODE === 'room' ? { waitingRoom: { admitPerSecond: ADMIT === 'auto' ? 'auto' : Number(ADMIT), drawSeconds: Math.ceil(ARRIVAL_MS / 1000), tokenTtlSeconds: 30 } } : {};
  createSku(API_URL, ADMIN_TOKEN, sku, STOCK, 0, 0, room);
  console.info(`waiting room (${MODE}): sku=${sku} stock=${STOCK} buyers=${BUYERS} within ${ARRIVAL_MS} ms, strategy ${strategy}, admit ${ADMIT}`);
  return { sku, runId };
}

// A browser's pace: 1-2 s with jitter between polls, and before a retry.
const browserPause = (): void => sleep(1 + Math.random());
const code = (res: RefinedResponse<ResponseType | undefined>): unknown => {
  try {
    return res.json('code');
  } catch {
    return undefined;
  }
};

interface Buyer {
  sku: string;
  userId: string;
  arrivedAt: number;
  deadline: number;
}

function final(buyer: Buyer, outcome: 'bought' | 'sold_out' | 'expired'): void {
  const ms = Date.now() - buyer.arrivedAt;
  trends.final.add(ms);
  if (outcome === 'bought') counters.bought.add(1);
  if (outcome === 'expired') counters.expired.add(1);
  if (outcome === 'sold_out') {
    counters.soldOut.add(1);
    trends.soldOutLearned.add(ms);
  }
}

/** Buys with the same key (and token) until a final answer: true when it had one. */
function buy(buyer: Buyer, key: string, token: string | undefined): boolean {
  for (let attempt = 0; Date.now() < buyer.deadline; attempt += 1) {
    if (attempt > 0) counters.retries.add(1);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-strategy': strategy, 'idempotency-key': key };
    if (token !== undefined) headers['admission-token'] = token;
    const res = http.post(`${API_URL}/v1/purchases`, JSON.stringify({ sku: buyer.sku, userId: buyer.userId, quantity: 1 }), {
      headers,
      tags: { name: 'purchase' },
      timeout: requestTimeout,
      responseCallback: http.expectedStatuses(201, 202, 409, 503),
    });
    trends.purchase.add(res.timings.duration);
    if (res.status === 201 || res.status === 202) {
      final(buyer, 'bought');
      return true;
    }
    if (res.status === 409 && code(res) === 'sold_out') {
      final(buyer, 'sold_out');
      return true;
    }
    // What decides nothing is sent again, as a browser would: a 503, a connection the
    // server closed under it (status 0), the same key still in flight (409).
    if (res.status === 503) counters.purchase503.add(1);
    else if (res.status !== 0 && !(res.status === 409 && code(res) === 'idempotency_key_in_flight')) {
      counters.errors.add(1);
      console.warn(`unexpected purchase answer: ${describe(res)}`);
      return true;
    }
    browserPause();
  }
  return false;
}

/** The line's answer; undefined for one to ask again (503, a closed connection); 'error' for one that ends the buyer. */
function lineCall(res: RefinedResponse<ResponseType | undefined>): Record<string, unknown> | 'error' | undefined {
  counters.lineRequests.add(1);
  if (res.status === 200 || res.status === 201) return res.json() as Record<string, unknown>;
  if (res.status === 503) counters.line503.add(1);
  if (res.status === 503 || res.status === 0) return undefined;
  counters.errors.add(1);
  console.warn(`unexpected line answer: ${describe(res)}`);
  return 'error';
}

/** Joins, polls until admitted or told the end, buys once admitted: true when it had a final answer. */
function throughTheRoom(buyer: Buyer): boolean {
  let view: Record<string, unknown> | undefined;
  while (view === undefined && Date.now() < buyer.deadline) {
    const joined = lineCall(http.post(`${API_URL}/v1/skus/${buyer.sku}/line`, JSON.stringify({ userId: buyer.userId }), { headers: { 'content-type': 'application/json' }, tags: { name: 'join' }, timeout: requestTimeout, responseCallback: http.expectedStatuses(200, 201, 503) }));
    if (joined === 'error') return true;
    view = joined;
    if (view === undefined) browserPause();
  }
  while (view !== undefined && Date.now() < buyer.deadline) {
    const state = view.state;
    if (state === 'admitted') {
      counters.admitted.add(1);
      trends.admittedAt.add(Date.now() - exec.scenario.startTime);
      const admission = view.admission as { token: string; idempotencyKey: string };
      return buy(buyer, admission.idempotencyKey, admission.token);
    }
    if (state === 'sold_out') {
      final(buyer, 'sold_out');
      return true;
    }
    if (state === 'expired') {
      final(buyer, 'expired');
      return true;
    }
    browserPause();
    const polled = lineCall(http.get(`${API_URL}/v1/skus/${buyer.sku}/line/${String(view.ticket)}`, { tags: { name: 'poll' }, timeout: requestTimeout, responseCallback: http.expectedStatuses(200, 503) }));
    if (polled === 'error') return true;
    if (polled !== undefined) view = polled;
  }
  return false;
}

export default function (data: SkuRun): void {
  const arrivedAt = Date.now();
  counters.buyers.add(1);
  const buyer = { sku: data.sku, userId: `${data.runId}-b${exec.scenario.iterationInTest}`, arrivedAt, deadline: arrivedAt + BUYER_LIMIT_MS };
  let answered: boolean;
  if (MODE === 'room') answered = throughTheRoom(buyer);
  else {
    counters.admitted.add(1);
    trends.admittedAt.add(arrivedAt - exec.scenario.startTime);
    answered = buy(buyer, `${data.runId}-k${exec.scenario.iterationInTest}`, undefined);
  }
  if (!answered) counters.gaveUp.add(1);
}

export function teardown(data: SkuRun): void {
  for (const counter of Object.values(counters)) counter.add(0);
  const audit = readAudit(API_URL, ADMIN_TOKEN, data.sku);
  audited.confirmedUnits.add(audit.confirmedUnits);
  audited.oversoldUnits.add(audit.oversoldUnits);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const count = (name: string): number => value(data, name, 'count') ?? 0;
  const spread = (name: string): SpreadMs => ({ p50: value(data, name, 'med'), p95: value(data, name, 'p(95)'), max: value(data, name, 'max') });
  const admitted = count('wr_admitted');
  const first = value(data, 'wr_admitted_at', 'min');
  const last = value(data, 'wr_admitted_at', 'max');
  const digest: WaitingRoomDigest = {
    mode: MODE as 'room' | 'direct',
    strategy,
    stock: STOCK,
    // The executor may start one arrival more than planned at the window's edge: the buyers counted.
    buyers: count('wr_buyers'),
    arrivalMs: ARRIVAL_MS,
    admitted,
    admittedPerSecond: first === null || last === null || last <= first ? null : admitted / ((last - first) / 1000),
    bought: count('wr_bought'),
    soldOut: count('wr_sold_out'),
    expired: count('wr_expired'),
    gaveUp: count('wr_gave_up'),
    errors: count('wr_errors'),
    finalMs: spread('wr_final'),
    purchaseMs: spread('wr_purchase'),
    soldOutLearnedMs: spread('wr_sold_out_learned'),
    purchase503: count('wr_purchase_503'),
    retries: count('wr_retries'),
    lineRequests: count('wr_line_requests'),
    line503: count('wr_line_503'),
    confirmedUnits: value(data, 'wr_confirmed_units', 'value'),
    oversoldUnits: value(data, 'wr_oversold_units', 'value'),
  };
  const line =
    `waiting room (${MODE}): ${BUYERS} buyers, ${admitted} admitted, ${digest.bought} bought, ${digest.soldOut} told sold out, ${digest.gaveUp} gave up; ` +
    `final p95 ${String(digest.finalMs.p95)} ms, purchase p95 ${String(digest.purchaseMs.p95)} ms, 503s ${digest.purchase503}, oversold ${String(digest.oversoldUnits)}\n`;
  return { stdout: line, ...(SUMMARY_PATH === '' ? {} : { [SUMMARY_PATH]: JSON.stringify(digest, null, 2) }) };
}
