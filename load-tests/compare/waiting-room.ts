// The waiting-room phase of a compare run: the same crowd (10x the stock
// within 2 s) through a SKU's waiting room and straight at the purchase
// route, one strategy, once per run. Its settings, its check and the rows
// both renderers print side by side.
import type { SpreadMs, WaitingRoomDigest } from './digests.js';
import type { Check, Report } from './report-types.js';
import { count, ms } from './report-format.js';

export interface WaitingRoomPhase {
  stock: number;
  demandFactor: number;
  arrivalMs: number;
  /** admitPerSecond of the room: 'auto' follows what the strategy answers. */
  admit: number | 'auto';
  /** Each buyer gives up this long after it arrived. */
  buyerLimitMs: number;
}

// 300 units, 3,000 buyers in 2 s: above what the slower strategies sell a second.
export const waitingRoomPhase: WaitingRoomPhase = { stock: 300, demandFactor: 10, arrivalMs: 2000, admit: 'auto', buyerLimitMs: 60_000 };
// Quick (CI): 1,000 buyers, a third of the k6 VUs and of its memory.
export const quickWaitingRoomPhase: WaitingRoomPhase = { ...waitingRoomPhase, stock: 100 };

const spread = (s: SpreadMs): string => `${ms(s.p50)} / ${ms(s.p95)} / ${ms(s.max)}`;
const perSecond = (n: number | null): string => (n === null ? '–' : `${count(n)}/s`);

/** [label, through the room, straight at the purchase, meaning], in the order both renderers print them. */
export function waitingRoomRows(room: WaitingRoomDigest | null, direct: WaitingRoomDigest | null): Array<[string, string, string, string]> {
  const both = (figure: (d: WaitingRoomDigest) => string): [string, string] => [room === null ? '–' : figure(room), direct === null ? '–' : figure(direct)];
  return [
    ['buyers', ...both((d) => count(d.buyers)), `arriving within ${ms(room?.arrivalMs ?? direct?.arrivalMs ?? null)} ms on ${count(room?.stock ?? direct?.stock ?? 0)} units`],
    ['admitted/s', ...both((d) => perSecond(d.admittedPerSecond)), 'room: buyers let in per second, from the first admission to the last (auto rate); direct: arrivals'],
    ['bought', ...both((d) => count(d.bought)), 'purchases answered 201'],
    ['told sold out', ...both((d) => count(d.soldOut)), 'a 409 sold_out, or the line\'s sold_out state on a poll'],
    ['arrival → final answer ms', ...both((d) => spread(d.finalMs)), 'p50 / p95 / max over every buyer'],
    ['purchase ms', ...both((d) => spread(d.purchaseMs)), 'p50 / p95 / max of purchase requests (room: admitted buyers only)'],
    ['learned sold out after ms', ...both((d) => spread(d.soldOutLearnedMs)), 'p50 / p95 / max, arrival to being told, for buyers who got nothing'],
    ['503s / retries', ...both((d) => `${count(d.purchase503 + d.line503)} / ${count(d.retries)}`), 'answers 503 (purchases and line), and purchases sent again after one'],
    ['line requests', ...both((d) => count(d.lineRequests)), 'joins and polls (every 1-2 s with jitter, as a browser)'],
    ['expired / gave up / errors', ...both((d) => `${count(d.expired)} / ${count(d.gaveUp)} / ${count(d.errors)}`), 'admissions unused, buyers with no answer within their bound, unexpected answers'],
    ['oversold', ...both((d) => (d.oversoldUnits === null ? '–' : count(d.oversoldUnits))), 'audit: units sold beyond the stock'],
  ];
}

/** Both modes ran, nothing oversold, every buyer had a final answer, and nobody was answered what the scenario does not expect. */
export function waitingRoomCheck(report: Pick<Report, 'waitingRoom'>): Check[] {
  const run = report.waitingRoom;
  if (run === null) return [];
  const name = 'waiting room: every buyer a final answer, no oversell, with the room and without';
  const problems: string[] = [];
  for (const [mode, result] of [['room', run.room], ['direct', run.direct]] as const) {
    const d = result.digest;
    if (d === null) {
      problems.push(`${mode}: ${result.failure ?? 'did not run'}`);
      continue;
    }
    if (d.oversoldUnits !== 0) problems.push(`${mode}: oversold ${String(d.oversoldUnits)}`);
    if (d.gaveUp > 0) problems.push(`${mode}: ${d.gaveUp} buyers without a final answer`);
    if (d.errors > 0) problems.push(`${mode}: ${d.errors} unexpected answers`);
    if (d.bought + d.soldOut + d.expired + d.gaveUp + d.errors !== d.buyers) problems.push(`${mode}: ${d.buyers} buyers but ${d.bought + d.soldOut + d.expired + d.gaveUp + d.errors} outcomes`);
  }
  const room = run.room.digest;
  const detail = room === null ? '' : `${run.strategy}: ${count(room.buyers)} buyers, room admitted ${perSecond(room.admittedPerSecond)}, oversold 0 both ways`;
  return [{ name, ok: problems.length === 0, detail: problems.length === 0 ? detail : problems.join('; ') }];
}
