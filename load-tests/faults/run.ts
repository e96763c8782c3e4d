// One run: one scenario × one strategy on a fresh SKU. Burst with the
// ledger, fault at its trigger, recovery, assertions.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { AdminClient, StrategyInfo } from './admin.js';
import type { FaultOptions } from './args.js';
import { type Check, type Measures, check, measure } from './assertions.js';
import { type PickApi, closedBurst, measureCapacity, openBurst } from './burst.js';
import type { Cleanups } from './cleanup.js';
import type { RunContext, Services } from './context.js';
import { watchClientLag } from './client-lag.js';
import { Ledger, defaultBudget } from './ledger.js';
import { recover } from './recovery.js';
import { superviseServices } from './supervisor.js';
import type { Scenario } from './scenarios.js';
import type { StackControl } from './stack-control.js';
import type { Toxiproxy } from './toxiproxy.js';

export interface RunResult {
  scenario: string;
  strategy: string;
  /** pass / fail; 'reported' for an unsafe strategy (naive oversells on purpose); 'error' when the run itself broke. */
  verdict: 'pass' | 'fail' | 'reported' | 'error';
  failed: string[];
  checks: Check[];
  measures: Measures | null;
  facts: Record<string, number | boolean | string>;
  notes: string[];
  sku: string;
  durationMs: number;
  error?: string;
}

export interface Shared {
  options: FaultOptions;
  stack: StackControl;
  toxiproxy: Toxiproxy;
  cleanups: Cleanups;
  admin: AdminClient;
  db: Kysely<Database>;
  say(line: string): void;
}

// Overload: a Node client on the same 2 cores cannot offer much more than this, and 10× the
// fastest strategies (~1,500-2,000 sales/s here) would be 15-20k/s; the cap is reported.
const overloadMaxRate = 2_000;
// 3 s of 10× arrivals: long enough for queues to build, short enough to stay bounded.
const overloadMs = 3_000;
// A closed-loop fault trigger that never comes (every answer 503 from the start) must not stop the fault.
const triggerFallbackMs = 3_000;

/** Runs the scenario's fault once `triggerAt` final answers are in (or after triggerFallbackMs). */
function armFault(ctx: RunContext, scenario: Scenario): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let fired = false;
    const fire = (): void => {
      if (fired) return;
      fired = true;
      clearTimeout(fallback);
      scenario.fault(ctx).then(resolve, reject);
    };
    const fallback = setTimeout(() => {
      if (!fired && scenario.triggerAt > 0) ctx.notes.push(`trigger of ${scenario.triggerAt} answers not reached in ${triggerFallbackMs / 1000} s; fault injected then`);
      fire();
    }, scenario.triggerAt === 0 ? 0 : triggerFallbackMs);
    ctx.ledger.onFinal((finals) => {
      if (finals >= scenario.triggerAt) fire();
    });
  });
}

/** A closed loop of 32 buyers (half the compare run's 64: the cores are shared) on a SKU of `stock`, counting `counted` answers/s. */
async function closedLoopRate(ctx: RunContext, pickApi: PickApi, label: string, stock: number, durationMs: number, counted?: string[]): Promise<number> {
  const sku = `${ctx.sku}-${label}`;
  await ctx.admin.createSku(sku, stock);
  const ledger = new Ledger(sku, ctx.strategy.name, { attempts: 1, ms: 15_000, timeoutMs: 15_000 });
  const rate = await measureCapacity(ledger, 32, durationMs, pickApi, counted);
  await sleep(1_000); // let the phase's stragglers finish before the next starts
  return rate;
}

async function overloadLoad(ctx: RunContext, shared: Shared, pickApi: PickApi): Promise<void> {
  let capacity = shared.options.capacity;
  let refusing: number | undefined;
  if (capacity === undefined) {
    capacity = await closedLoopRate(ctx, pickApi, 'cap', 1_000_000_000, 2_000);
    ctx.facts.capacityMeasured = Math.round(capacity);
    // The most this API answers for this strategy at all: refusals on a sold-out SKU. Offered
    // past it, purchases wait in the kernel before the API reads them, where no deadline of
    // its own can reach: outbox at 2,000/s had refusals decided at once (753 ms of 800 left)
    // reach the client after 1 s. The overload is meant for the store, not the HTTP front.
    refusing = await closedLoopRate(ctx, pickApi, 'refusing', 0, 1_000, ['sold_out']);
    ctx.facts.refusingMeasured = Math.round(refusing);
  }
  const tenfold = Math.max(10, Math.round(capacity * 10));
  const rate = Math.min(overloadMaxRate, tenfold, refusing === undefined ? Infinity : Math.max(10, Math.round(refusing)));
  ctx.facts.overloadRate = rate;
  if (rate < tenfold) {
    const why = rate === overloadMaxRate ? 'the client shares the 2 cores' : `the API's refusal rate for this strategy, measured just before: past it, buyers queue unread`;
    ctx.notes.push(`10× capacity is ${tenfold}/s; capped at ${rate}/s (${why})`);
  }
  ctx.say(`  fault: open loop at ${rate}/s for ${overloadMs / 1000} s (capacity ${Math.round(capacity)}/s)`);
  ctx.window.start = ctx.ledger.now();
  // In flight at most 2,000: about 10 s of the slowest strategy's answers at 200/s.
  const { dropped } = await openBurst(ctx.ledger, { ratePerSecond: rate, durationMs: overloadMs, maxInFlight: 2_000 }, pickApi);
  ctx.window.end = ctx.ledger.now();
  ctx.facts.overloadDropped = dropped;
}

export async function runOne(scenario: Scenario, strategy: StrategyInfo, services: Services, shared: Shared): Promise<RunResult> {
  const started = Date.now();
  const sku = `f-${scenario.name}-${strategy.name}-${randomBytes(3).toString('hex')}`;
  // Overload: shorter, 30 s: thousands of keys retrying for 75 s would only measure the client.
  // 30 tries (~1 s apart, Retry-After) fill it: with 10, a key's patience ended after ~8 s, so a
  // strategy selling under ~25/s at 10x load (etcd-lock: 200 units took over 10 s) left early
  // buyers without a final answer although every one got it once the SKU sold out.
  const budget = scenario.load === 'overload' ? { attempts: 30, ms: 30_000, timeoutMs: defaultBudget.timeoutMs } : defaultBudget;
  const ctx: RunContext = {
    scenario: scenario.name,
    strategy,
    sku,
    size: { ...shared.options.burst, ratePerSecond: scenario.ratePerSecond ?? shared.options.burst.ratePerSecond },
    ledger: new Ledger(sku, strategy.name, budget, scenario.line === true),
    services,
    stack: shared.stack,
    toxiproxy: shared.toxiproxy,
    cleanups: shared.cleanups,
    admin: shared.admin,
    window: {},
    notes: [],
    facts: {},
    checks: [],
    say: shared.say,
  };
  const result = (verdict: RunResult['verdict'], checks: Check[], measures: Measures | null, error?: string): RunResult => ({
    scenario: scenario.name,
    strategy: strategy.name,
    verdict,
    failed: checks.filter((c) => !c.ok).map((c) => c.name),
    checks,
    measures,
    facts: ctx.facts,
    notes: ctx.notes,
    sku,
    durationMs: Date.now() - started,
    ...(error === undefined ? {} : { error }),
  });
  let endSupervision = (): void => undefined;
  try {
    // Through a waiting room: admission far above the burst's rate and no draw, so the line holds nobody back
    // but its own faults; admissions last 10 min, past recovery's replays.
    await shared.admin.createSku(sku, ctx.size.stock, scenario.line === true ? { admitPerSecond: 1000, drawSeconds: 0, tokenTtlSeconds: 600 } : undefined);
    endSupervision = superviseServices(ctx);
    const first = services.apis[0];
    const pickApi: PickApi = scenario.pickApi?.(ctx) ?? (() => (first === undefined ? '' : services.urlOf(first)));
    const clientLag = watchClientLag();
    try {
      if (scenario.load === 'overload') {
        await overloadLoad(ctx, shared, pickApi);
      } else {
        await Promise.all([closedBurst(ctx.ledger, ctx.size, pickApi), armFault(ctx, scenario)]);
      }
    } finally {
      ctx.facts.clientLagMaxMs = clientLag();
    }
    if (scenario.line === true) {
      ctx.facts.lineRequests = ctx.ledger.line.requests;
      ctx.facts.lineUnavailable = ctx.ledger.line.unavailable;
      ctx.checks.push({ name: 'line-answers-expected', ok: ctx.ledger.line.unexpected === 0, detail: `${ctx.ledger.line.unexpected} of ${ctx.ledger.line.requests} line requests answered other than 200/201, 404 of a lost ticket or 503` });
    }
    if (Number(ctx.facts.clientLagMaxMs) >= 100) ctx.notes.push(`this runner's event loop ran up to ${String(ctx.facts.clientLagMaxMs)} ms late during the burst; its latencies include that`);
    const recovery = await recover(ctx, shared.db, shared.options.settleTimeoutMs);
    endSupervision();
    const measures = measure(ctx, recovery);
    const checks = check(ctx, recovery, scenario.bounded, measures);
    const ok = checks.every((c) => c.ok);
    // An unsafe strategy (naive) oversells on purpose: its results are reported, never a failure of the run.
    return result(!strategy.safe ? 'reported' : ok ? 'pass' : 'fail', checks, measures);
  } catch (error: unknown) {
    endSupervision();
    return result('error', ctx.checks, null, error instanceof Error ? error.message.split('\n')[0] : String(error));
  }
}
