// End-of-test summary of the flash-sale scenario: one flat JSON digest (what
// the compare runner reads, at SUMMARY_PATH) and a short text for the terminal.
// Runs inside k6 (not Node).
// Type only (erased when k6 loads the script): the answers have report.json's OutcomeCounts shape.
import type { OutcomeCounts, SpikeDigest } from '../compare/digests.ts';
import type { ArrivalPlan } from './options.ts';
import { type SeriesPlan, readSeries } from './series-plan.ts';

interface MetricSummary {
  type: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
export interface SummaryData {
  metrics: Record<string, MetricSummary | undefined>;
  state: { testRunDurationMs: number };
  setup_data?: { sku: string; async: boolean };
}

/** The run's settings, as the script parsed them. */
export interface RunInfo {
  strategy: string;
  stock: number;
  rate: number;
  durationCapMs: number;
  demandFactor: number;
  plan: ArrivalPlan;
  series: SeriesPlan;
}

export function value(data: SummaryData, metric: string, stat: string): number | null {
  const v = data.metrics[metric]?.values[stat];
  return v === undefined ? null : v;
}

export function latency(data: SummaryData, metric: string) {
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

export function thresholdResults(data: SummaryData): { results: Record<string, Record<string, boolean>>; ok: boolean } {
  const results: Record<string, Record<string, boolean>> = {};
  let ok = true;
  for (const [name, metric] of Object.entries(data.metrics)) {
    if (metric?.thresholds === undefined) continue;
    results[name] = {};
    for (const [expr, result] of Object.entries(metric.thresholds)) {
      results[name][expr] = result.ok;
      ok &&= result.ok;
    }
  }
  return { results, ok };
}

/** Answers by outcome (the purchases_* counters), and their total. */
export function outcomeCounts(data: SummaryData): { counts: OutcomeCounts; answered: number } {
  const counts = {
    confirmed: value(data, 'purchases_confirmed', 'count') ?? 0,
    pending: value(data, 'purchases_pending', 'count') ?? 0,
    soldOut: value(data, 'purchases_sold_out', 'count') ?? 0,
    contended: value(data, 'purchases_contended', 'count') ?? 0,
    error: value(data, 'purchases_error', 'count') ?? 0,
  };
  return { counts, answered: counts.confirmed + counts.pending + counts.soldOut + counts.contended + counts.error };
}

/** The run's settings as planned (the plan may cap the purchases). */
function settingsOf(run: RunInfo) {
  return {
    stock: run.stock,
    rate: run.rate,
    durationCapMs: run.durationCapMs,
    windowMs: run.plan.windowMs,
    demandFactor: run.demandFactor,
    targetPurchases: run.plan.targetPurchases,
    plannedPurchases: run.plan.plannedPurchases,
    preAllocatedVUs: run.plan.preAllocatedVUs,
    maxVUs: run.plan.maxVUs,
  };
}

/** Latency percentiles of every answer, and of each outcome. */
function latencies(data: SummaryData) {
  return {
    all: latency(data, 'purchase_latency'),
    confirmed: latency(data, 'purchase_latency_confirmed'),
    pending: latency(data, 'purchase_latency_pending'),
    soldOut: latency(data, 'purchase_latency_sold_out'),
    contended: latency(data, 'purchase_latency_contended'),
    error: latency(data, 'purchase_latency_error'),
  };
}

/**
 * What teardown() read from the audit once the SKU settled. Undersold: the
 * unsold stock when any buyer was turned away for a reason other than sold
 * out (503s, errors: k6's own count of them), else 0, since with only
 * 201/202/409 answers unsold stock means demand ran out.
 */
function auditFigures(data: SummaryData) {
  const unsold = value(data, 'unsold_units', 'value');
  const { counts } = outcomeCounts(data);
  const turnedAway = counts.contended + counts.error;
  return {
    confirmedUnits: value(data, 'confirmed_units', 'value'),
    oversoldUnits: value(data, 'oversold_units', 'value'),
    undersoldUnits: unsold === null ? null : turnedAway > 0 ? unsold : 0,
    unsoldUnits: unsold,
    pendingUnitsLeft: value(data, 'pending_units_left', 'value'),
    auditConsistent: value(data, 'audit_consistent', 'value') === 1,
    turnedAway,
  };
}

/** Request → confirmation delays of an asynchronous strategy's orders; null when none was confirmed later. */
function confirmationDelay(data: SummaryData) {
  const count = value(data, 'confirmation_delay_count', 'value') ?? 0;
  if (count === 0) return null;
  return {
    count,
    p50: value(data, 'confirmation_delay_p50', 'value'),
    p95: value(data, 'confirmation_delay_p95', 'value'),
    p99: value(data, 'confirmation_delay_p99', 'value'),
    max: value(data, 'confirmation_delay_max', 'value'),
  };
}

/** The figures the compare runner needs, in one flat object. */
export function digest(data: SummaryData, run: RunInfo): SpikeDigest {
  const { counts, answered } = outcomeCounts(data);
  // Throughput counts from the scenario start to the last answer (at least the
  // arrival window): a saturated strategy answers long after the window closed.
  const lastAnswerMs = value(data, 'purchase_answered_at', 'max') ?? 0;
  const windowS = Math.max(run.plan.windowMs, lastAnswerMs) / 1000;
  const soldOutMs = value(data, 'time_to_sold_out', 'min');
  const audit = auditFigures(data);
  const thresholds = thresholdResults(data);
  return {
    strategy: run.strategy,
    async: data.setup_data?.async ?? null,
    sku: data.setup_data?.sku ?? null,
    settings: settingsOf(run),
    purchases: answered,
    lastAnswerMs,
    /** Purchases answered per second, from the scenario start to the last answer (at least the arrival window). */
    throughput: answered / windowS,
    /**
     * Units confirmed (audit, so asynchronous strategies count too) per second
     * until the first sold_out answer, or over the window when it never sold out.
     */
    confirmedPerSecond: (audit.confirmedUnits ?? counts.confirmed) / ((soldOutMs !== null && soldOutMs > 0 ? soldOutMs : run.plan.windowMs) / 1000),
    outcomes: counts,
    latencyMs: latencies(data),
    droppedIterations: value(data, 'dropped_iterations', 'count') ?? 0,
    ...audit,
    timeToSoldOutMs: soldOutMs,
    settleMs: value(data, 'settle_time', 'value'),
    drainAfterMs: value(data, 'drain_after_window', 'value'),
    confirmationDelayMs: confirmationDelay(data),
    series: readSeries(run.series, run.plan.windowMs, run.rate, (metric) => value(data, metric, 'count') ?? 0),
    testRunDurationMs: data.state.testRunDurationMs,
    thresholds: thresholds.results,
    thresholdsOk: thresholds.ok,
  };
}

function ms(v: number | null): string {
  return v === null ? '-' : `${v.toFixed(1)}ms`;
}

/** The terminal summary: outcomes, latency per outcome, audit figures, thresholds. */
export function text(d: SpikeDigest): string {
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
  );
  if (d.confirmationDelayMs !== null) {
    const c = d.confirmationDelayMs;
    lines.push(`  request → confirmation (${c.count} orders): p50 ${ms(c.p50)} · p95 ${ms(c.p95)} · p99 ${ms(c.p99)} · max ${ms(c.max)}`);
  }
  lines.push('  thresholds');
  for (const [name, exprs] of Object.entries(d.thresholds)) {
    for (const [expr, ok] of Object.entries(exprs)) lines.push(`    ${ok ? '✓' : '✗'} ${name} ${expr}`);
  }
  lines.push('');
  return lines.join('\n');
}

/** handleSummary(): the text on stdout, and the digest (plus k6's raw metrics) as JSON at summaryPath. */
export function summarize(data: SummaryData, run: RunInfo, summaryPath: string): Record<string, string> {
  if (data.setup_data === undefined) {
    // setup() threw (API not ready, bad settings): there is nothing to report.
    return { stdout: '\n  flash sale: setup failed, no purchases were made (see the error above)\n\n' };
  }
  const d = digest(data, run);
  const out: Record<string, string> = { stdout: text(d) };
  // k6's raw metrics too, less the per-bucket counters already in d.series.
  const metrics = Object.fromEntries(Object.entries(data.metrics).filter(([name]) => !name.startsWith('series_')));
  if (summaryPath !== '') out[summaryPath] = JSON.stringify({ ...d, k6: { metrics, state: data.state } }, null, 2);
  return out;
}
