// Reservations under load (strategy reserve): buyers arrive at RATE for
// WINDOW on one SKU of STOCK units whose holds last HOLD_SECONDS. A buyer who
// gets a hold pays (confirm) with probability PAY_SHARE after a think time
// of up to half the hold; the others walk away and their holds lapse, so the
// sweeper puts those units back on sale to later buyers. The digest reports
// held, paid, expired and resold units, and the audit's verdict once every
// hold has ended. The compare runner's reservation phase. Runs inside k6 (not Node).
import { sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Counter, Gauge, Trend } from 'k6/metrics';
import type { ReservationDigest } from '../compare/digests.ts';
import { type SkuRun, checkApi, createSku, describe, newRunId, purchase, readAudit } from './api.ts';
import { SUMMARY_TREND_STATS, envInt, envNumber, envRequired, envString, parseDurationMs } from './options.ts';
import { type SummaryData, value } from './summary.ts';

const API_URL = envString('API_URL', 'http://127.0.0.1:3000').replace(/\/+$/, '');
const ADMIN_TOKEN = envString('ADMIN_TOKEN', '');
const STOCK = envInt('STOCK', 200);
const HOLD_SECONDS = envInt('HOLD_SECONDS', 2);
const PAY_SHARE = Math.min(1, envNumber('PAY_SHARE', 0.5));
const RATE = envInt('RATE', 200);
const WINDOW_MS = parseDurationMs('WINDOW', envString('WINDOW', '8s'));
const SUMMARY_PATH = envString('SUMMARY_PATH', '');
// A strategy whose purchases are holds (its `holds` fact); compare passes the one it measures.
const strategy = envRequired('STRATEGY', 'a strategy whose facts say holds: true, from GET /v1/strategies');

const counters = {
  held: new Counter('reservation_held'),
  paid: new Counter('reservation_paid'),
  paidTooLate: new Counter('reservation_paid_too_late'),
  walkedAway: new Counter('reservation_walked_away'),
  refused: new Counter('reservation_refused'),
  turnedAway: new Counter('reservation_turned_away'),
};
const holdLatency = new Trend('reservation_hold_latency', true);
const confirmLatency = new Trend('reservation_confirm_latency', true);
const audited = {
  expiredUnits: new Gauge('reservation_expired_units'),
  confirmedUnits: new Gauge('reservation_confirmed_units'),
  reservedUnitsLeft: new Gauge('reservation_reserved_left'),
  oversoldUnits: new Gauge('reservation_oversold_units'),
  consistent: new Gauge('reservation_consistent'),
};

// A payer thinks for up to half the hold: most pay in time, a few near the end race the sweeper.
const thinkMaxSeconds = HOLD_SECONDS / 2;

export const options = {
  scenarios: {
    reservations: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: `${WINDOW_MS}ms`,
      // Each buyer may think before paying: VUs for every buyer of that span, with room.
      preAllocatedVUs: Math.ceil(RATE * (thinkMaxSeconds + 1)) + 20,
      gracefulStop: '10s',
    },
  },
  thresholds: { reservation_turned_away: ['count==0'], reservation_oversold_units: ['value==0'] },
  summaryTrendStats: SUMMARY_TREND_STATS,
  teardownTimeout: `${HOLD_SECONDS + 60}s`,
};

export function setup(): SkuRun {
  checkApi(API_URL, ADMIN_TOKEN, strategy);
  const runId = newRunId();
  const sku = `resv-${runId}`;
  createSku(API_URL, ADMIN_TOKEN, sku, STOCK, 0, HOLD_SECONDS);
  console.info(`reservations: sku=${sku} stock=${STOCK} hold=${HOLD_SECONDS}s payShare=${PAY_SHARE} rate=${RATE}/s window=${WINDOW_MS}ms`);
  return { sku, runId };
}

function confirm(orderId: string): void {
  const res = http.post(`${API_URL}/v1/orders/${orderId}/confirm`, null, {
    headers: { 'idempotency-key': crypto.randomUUID() },
    tags: { name: 'confirm' },
    timeout: '15s',
    responseCallback: http.expectedStatuses(200, 409),
  });
  confirmLatency.add(res.timings.duration);
  if (res.status === 200) counters.paid.add(1);
  else if (res.status === 409 && res.json('code') === 'hold_expired') counters.paidTooLate.add(1);
  else {
    counters.turnedAway.add(1);
    console.warn(`unexpected confirm answer: ${describe(res)}`);
  }
}

export default function (data: SkuRun): void {
  const res = purchase(API_URL, data.sku, `${data.runId}-u${exec.scenario.iterationInTest}`, strategy, '15s');
  holdLatency.add(res.timings.duration);
  if (res.status === 409 && res.json('code') === 'sold_out') {
    counters.refused.add(1);
    return;
  }
  if (res.status !== 201) {
    counters.turnedAway.add(1);
    return;
  }
  counters.held.add(1);
  if (Math.random() >= PAY_SHARE) {
    counters.walkedAway.add(1);
    return;
  }
  sleep(Math.random() * thinkMaxSeconds);
  confirm(String(res.json('orderId')));
}

export function teardown(data: SkuRun): void {
  for (const counter of Object.values(counters)) counter.add(0);
  // Every hold ends by HOLD_SECONDS after the last one was taken, plus a sweep: wait for that, bounded.
  const deadline = Date.now() + (HOLD_SECONDS + 30) * 1000;
  let audit = readAudit(API_URL, ADMIN_TOKEN, data.sku);
  while (audit.reservedUnits > 0 && Date.now() < deadline) {
    sleep(0.25);
    audit = readAudit(API_URL, ADMIN_TOKEN, data.sku);
  }
  audited.expiredUnits.add(audit.releasedUnits);
  audited.confirmedUnits.add(audit.confirmedUnits);
  audited.reservedUnitsLeft.add(audit.reservedUnits);
  audited.oversoldUnits.add(audit.oversoldUnits);
  audited.consistent.add(audit.consistent ? 1 : 0);
  console.info(`reservations ${data.sku}: confirmed=${audit.confirmedUnits}/${audit.initialStock} expired=${audit.releasedUnits} live=${audit.reservedUnits} oversold=${audit.oversoldUnits} consistent=${audit.consistent}`);
}

export function handleSummary(data: SummaryData): Record<string, string> {
  const count = (name: string): number => value(data, name, 'count') ?? 0;
  const gauge = (name: string): number | null => value(data, name, 'value');
  const held = count('reservation_held');
  const expiredUnits = gauge('reservation_expired_units');
  const confirmedUnits = gauge('reservation_confirmed_units');
  const consistent = gauge('reservation_consistent');
  const digest: ReservationDigest = {
    stock: STOCK,
    holdSeconds: HOLD_SECONDS,
    payShare: PAY_SHARE,
    rate: RATE,
    windowMs: WINDOW_MS,
    buyers: held + count('reservation_refused') + count('reservation_turned_away'),
    held,
    paid: count('reservation_paid'),
    paidTooLate: count('reservation_paid_too_late'),
    walkedAway: count('reservation_walked_away'),
    refused: count('reservation_refused'),
    turnedAway: count('reservation_turned_away'),
    expiredUnits,
    // Every unit is held once before it can be held again: holds beyond the stock are resales.
    resoldUnits: Math.max(0, held - STOCK),
    confirmedUnits,
    unsoldUnits: confirmedUnits === null ? null : STOCK - confirmedUnits,
    reservedUnitsLeft: gauge('reservation_reserved_left'),
    oversoldUnits: gauge('reservation_oversold_units'),
    consistent: consistent === null ? null : consistent === 1,
    holdP95Ms: value(data, 'reservation_hold_latency', 'p(95)'),
    confirmP95Ms: value(data, 'reservation_confirm_latency', 'p(95)'),
  };
  const line =
    `reservations: ${digest.buyers} buyers, ${held} holds on ${STOCK} units (${digest.resoldUnits} resold), ${digest.paid} paid, ` +
    `${digest.paidTooLate} too late, ${digest.walkedAway} walked away; audit: ${String(confirmedUnits)} confirmed, ${String(expiredUnits)} expired, ` +
    `${String(digest.unsoldUnits)} unsold, oversold ${String(digest.oversoldUnits)}, consistent ${String(digest.consistent)}\n`;
  return { stdout: line, ...(SUMMARY_PATH === '' ? {} : { [SUMMARY_PATH]: JSON.stringify(digest, null, 2) }) };
}
