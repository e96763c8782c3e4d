// Custom metrics of the flash-sale scenario. Names are what the summary, the
// thresholds and load-tests/README.md refer to. Runs inside k6 (not Node).
import type { RefinedResponse, ResponseType } from 'k6/http';
import { Counter, Gauge, Trend } from 'k6/metrics';
import { type Outcome, classify, describe } from './api.ts';

export const outcomeCounters: Record<Outcome, Counter> = {
  confirmed: new Counter('purchases_confirmed'), // 201
  pending: new Counter('purchases_pending'), // 202 (asynchronous strategies)
  sold_out: new Counter('purchases_sold_out'), // 409 with code sold_out
  contended: new Counter('purchases_contended'), // 503 (could not decide in time, or a store is down)
  error: new Counter('purchases_error'), // anything else: other 4xx, 5xx other than 503, timeouts, connection errors
};
export const outcomeLatency: Record<Outcome, Trend> = {
  confirmed: new Trend('purchase_latency_confirmed', true),
  pending: new Trend('purchase_latency_pending', true),
  sold_out: new Trend('purchase_latency_sold_out', true),
  contended: new Trend('purchase_latency_contended', true),
  error: new Trend('purchase_latency_error', true),
};
/** Latency of every purchase, whatever the outcome. */
export const purchaseLatency = new Trend('purchase_latency', true);
/**
 * Milliseconds from the scenario start to the first 409 sold_out a VU saw;
 * each VU adds one sample, so the trend's **min** is the time until sold out.
 */
export const timeToSoldOut = new Trend('time_to_sold_out', true);
/** Milliseconds from the scenario start to each answer; its max ends the throughput window. */
export const answeredAt = new Trend('purchase_answered_at', true);

/** Per VU: unexpected answers logged so far; the first few show what went wrong, more would flood the log. */
let errorsLogged = 0;

/** Sorts one purchase answer into its outcome and counts it (counter, latency overall and per outcome, when it came). */
export function recordAnswer(res: RefinedResponse<ResponseType | undefined>, msSinceStart: number): Outcome {
  const outcome = classify(res);
  outcomeCounters[outcome].add(1);
  outcomeLatency[outcome].add(res.timings.duration);
  purchaseLatency.add(res.timings.duration);
  answeredAt.add(msSinceStart);
  if (outcome === 'error' && errorsLogged < 3) {
    errorsLogged += 1;
    console.warn(`unexpected purchase answer: ${describe(res)}`);
  }
  return outcome;
}

// Set once by teardown() from the audit, after asynchronous strategies settled.
export const auditGauges = {
  oversoldUnits: new Gauge('oversold_units'),
  // The same units, only for a strategy the API says is safe (0 for the
  // unsafe baseline): the threshold is on this one, since options are fixed
  // before setup() can ask the API what the strategy is.
  safeOversoldUnits: new Gauge('safe_oversold_units'),
  unsoldUnits: new Gauge('unsold_units'),
  confirmedUnits: new Gauge('confirmed_units'),
  pendingUnitsLeft: new Gauge('pending_units_left'),
  auditConsistent: new Gauge('audit_consistent'),
  settleTime: new Gauge('settle_time', true),
  drainAfterWindow: new Gauge('drain_after_window', true),
  // Asynchronous strategies: request to confirmation per order, from the audit (PostgreSQL timestamps).
  confirmationDelayCount: new Gauge('confirmation_delay_count'),
  confirmationDelayP50: new Gauge('confirmation_delay_p50', true),
  confirmationDelayP95: new Gauge('confirmation_delay_p95', true),
  confirmationDelayP99: new Gauge('confirmation_delay_p99', true),
  confirmationDelayMax: new Gauge('confirmation_delay_max', true),
};
