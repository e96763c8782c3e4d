// The deterministic lock-holder pause. API "holder" runs with
// FAULT_HOLD_POINT=lock-held: its first lock holder stops the whole process
// (SIGSTOP) between drawing its fencing token and its fenced write
// (services/strategies/common/locks/locked-purchase.ts). The load goes to it until
// /proc says it is stopped (state T), then to API "other", whose buyers take
// the lock once the lease has run out and write with newer tokens. After the
// lease (LOCK_TTL_MS) and a sale on "other", the holder gets SIGCONT: its
// fenced UPDATE must be refused by PostgreSQL (fenced_writes_total grows).
import { setTimeout as sleep } from 'node:timers/promises';
import { counterValue } from './admin.js';
import type { RunContext } from './context.js';

// The stack's default lease (LOCK_TTL_MS in .env.example): the runner starts the APIs with it.
export const lockTtlMs = 2_000;
// Past the lease by a second: the watchdog is stopped with the process, so the key expires at TTL;
// the extra second lets a waiting buyer on the other API see it free and take it.
const holdPastLeaseMs = lockTtlMs + 1_000;
// 15 s: the first locked purchase reaches the hold point within the first second of the burst.
const stopWaitMs = 15_000;

export function holderRouting(ctx: RunContext): (index: number, attempt: number) => string {
  const [holder, other] = ctx.services.apis;
  if (holder === undefined || other === undefined) throw new Error('the lock-holder scenario needs two APIs');
  return () => ctx.services.urlOf(ctx.facts.routeToOther === true ? other : holder);
}

function confirmedSince(ctx: RunContext, since: number): number {
  return ctx.ledger.records.filter((r) => r.final !== undefined && r.final.kind === 'confirmed' && r.final.at >= since).length;
}

export async function pauseLockHolder(ctx: RunContext): Promise<void> {
  const [holder, other] = ctx.services.apis;
  if (holder === undefined || other === undefined) throw new Error('the lock-holder scenario needs two APIs');
  const holderUrl = ctx.services.urlOf(holder);
  const fencedBefore = (await counterValue(holderUrl, 'fenced_writes_total')) ?? 0;
  const undo = ctx.cleanups.add('SIGCONT the held lock holder', async () => {
    holder.signal('SIGCONT');
  });
  try {
    const deadline = Date.now() + stopWaitMs;
    while (!holder.isStopped() && Date.now() < deadline) await sleep(20); // 20 ms: the stop is seen within a tick
    const stopped = holder.isStopped();
    ctx.checks.push({ name: 'holder-stopped-at-hold-point', ok: stopped, detail: stopped ? `pid ${holder.pid} in state T` : `not stopped within ${stopWaitMs / 1000} s` });
    ctx.facts.routeToOther = true;
    if (!stopped) return;
    ctx.window.start = ctx.ledger.now();
    ctx.say(`  fault: lock holder API pid ${holder.pid} stopped itself at the hold point; load goes to the other API`);
    await sleep(holdPastLeaseMs);
    // A sale by another holder after the pause is what makes the stale write stale; wait for one (bounded).
    const saleDeadline = Date.now() + 10_000;
    while (confirmedSince(ctx, ctx.window.start) === 0 && Date.now() < saleDeadline) await sleep(50);
    const soldMeanwhile = confirmedSince(ctx, ctx.window.start);
    ctx.facts.soldWhileHolderStopped = soldMeanwhile;
    ctx.checks.push({ name: 'others-sold-while-held', ok: soldMeanwhile > 0, detail: `${soldMeanwhile} sale(s) confirmed by the other API while the holder was stopped` });
  } finally {
    await undo();
    ctx.window.end = ctx.ledger.now();
  }
  ctx.say(`  fault: holder resumed (SIGCONT) after ${((ctx.window.end - (ctx.window.start ?? ctx.window.end)) / 1000).toFixed(1)} s`);
  // The resumed holder's fenced UPDATE runs within milliseconds; 5 s bounds a slow one.
  const countDeadline = Date.now() + 5_000;
  let fencedAfter = fencedBefore;
  while (fencedAfter <= fencedBefore && Date.now() < countDeadline) {
    await sleep(100);
    fencedAfter = (await counterValue(holderUrl, 'fenced_writes_total')) ?? fencedBefore;
  }
  ctx.facts.fencedWritesBefore = fencedBefore;
  ctx.facts.fencedWritesAfter = fencedAfter;
  ctx.checks.push({ name: 'stale-write-fenced', ok: fencedAfter > fencedBefore, detail: `fenced_writes_total on the holder ${fencedBefore} -> ${fencedAfter}` });
}
