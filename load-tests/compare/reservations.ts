// The reservation phase of a compare run: its settings, its check and the
// rows both renderers print. One run per compare (not per round): it shows
// how holds behave under load, and the audit's verdict on them, rather than
// a rate to rank strategies by.
import type { ReservationDigest } from './digests.js';
import type { ReservationPhase } from './phases.js';
import type { Check, Report } from './report-types.js';
import { count, ms, seconds } from './report-format.js';

// 200 units, 8 buyers per unit over 8 s, holds of 2 s: each unit can lapse and be
// resold a few times inside the window, and half the holders walk away.
export const reservationPhase: ReservationPhase = { stock: 200, holdSeconds: 2, payShare: 0.5, rate: 200, windowMs: 8000 };

/** The scenario's figures as [label, figure, meaning], in the order both renderers print them. */
export function reservationRows(d: ReservationDigest): Array<[string, string, string]> {
  const int = count;
  const n = count;
  return [
    ['buyers', int(d.buyers), `${int(d.rate)}/s for ${seconds(d.windowMs)} on ${int(d.stock)} units held ${d.holdSeconds} s; ${Math.round(d.payShare * 100)}% of holders pay`],
    ['held', int(d.held), '201 reserved: holds taken, first sales and resales'],
    ['paid', int(d.paid), 'confirms answered 200'],
    ['paid too late', int(d.paidTooLate), '409 hold_expired: the confirm came after the hold ended'],
    ['walked away', int(d.walkedAway), 'holders who never paid: their holds lapsed'],
    ['expired', n(d.expiredUnits), 'units of lapsed holds put back on sale by the sweeper (audit)'],
    ['resold', n(d.resoldUnits), 'holds beyond the stock: units held again after a lapse'],
    ['unsold at end', n(d.unsoldUnits), 'stock left once every hold ended: holds that lapsed after the last buyer'],
    ['refused', int(d.refused), '409 sold_out: every unit was held or sold when they came'],
    ['oversold', n(d.oversoldUnits), 'audit: units confirmed or held beyond the stock'],
    ['hold p95 ms', ms(d.holdP95Ms), 'POST /v1/purchases with the strategy that holds'],
    ['confirm p95 ms', ms(d.confirmP95Ms), 'POST /v1/orders/:id/confirm'],
  ];
}

/**
 * Every hold ended exactly once (paid, or expired and its units back),
 * nothing oversold, the stores agree, and lapsed holds were sold again.
 */
export function reservationCheck(report: Pick<Report, 'reservations'>, aStrategyHolds: boolean): Check[] {
  if (!aStrategyHolds) return [];
  const name = 'reservations: every hold paid or released once, lapsed units resold';
  const run = report.reservations;
  const d = run?.digest;
  if (d == null) return [{ name, ok: false, detail: run?.failure ?? 'the reservation phase did not run' }];
  const problems: string[] = [];
  if (d.oversoldUnits !== 0) problems.push(`oversold ${String(d.oversoldUnits)}`);
  if (d.consistent !== true) problems.push('audit inconsistent');
  if (d.reservedUnitsLeft !== 0) problems.push(`${String(d.reservedUnitsLeft)} units still held after every hold's end`);
  if (d.confirmedUnits !== d.paid) problems.push(`${String(d.confirmedUnits)} units confirmed for ${d.paid} confirms answered 200`);
  if (d.expiredUnits !== d.walkedAway + d.paidTooLate) problems.push(`${String(d.expiredUnits)} units expired for ${d.walkedAway + d.paidTooLate} holds left unpaid`);
  if (d.turnedAway > 0) problems.push(`${d.turnedAway} answers other than 201, 409 sold_out or hold_expired`);
  if ((d.resoldUnits ?? 0) === 0) problems.push('no lapsed unit was sold again: the scenario tested no resale');
  return [check(name, problems, `${count(d.held)} holds on ${count(d.stock)} units: ${count(d.paid)} paid, ${count(d.expiredUnits)} expired, ${count(d.resoldUnits)} resold; oversold 0, consistent`)];
}

function check(name: string, problems: string[], okDetail: string): Check {
  return { name, ok: problems.length === 0, detail: problems.length === 0 ? okDetail : problems.join('; ') };
}
