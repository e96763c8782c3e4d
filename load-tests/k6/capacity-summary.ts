// End-of-test summary of a capacity phase (capacity.ts): one flat JSON digest
// at SUMMARY_PATH for the compare runner, one line for the terminal.
// Runs inside k6 (not Node).
import type { CapacityDigest } from '../compare/digests.ts';
import { type SummaryData, latency, outcomeCounts, thresholdResults, value } from './summary.ts';

export interface CapacityRun {
  strategy: string;
  mode: 'selling' | 'refusing';
  vus: number;
  durationMs: number;
}

export interface CapacitySetup {
  sku: string;
  runId: string;
  strategy: string;
  async: boolean;
  /** Epoch ms at the end of setup(): the phase starts right after. */
  setupEndedAt: number;
}

export function capacityDigest(data: SummaryData, run: CapacityRun): CapacityDigest {
  const { counts: outcomes, answered } = outcomeCounts(data);
  // Answers still arriving after the phase (graceful stop) stretch the time they are counted over.
  const seconds = Math.max(run.durationMs, value(data, 'purchase_answered_at', 'max') ?? 0) / 1000;
  const async = data.setup_data?.async ?? false;
  const own = run.mode === 'refusing' ? outcomes.soldOut : async ? outcomes.pending : outcomes.confirmed;
  const all = latency(data, 'purchase_latency');
  return {
    strategy: run.strategy,
    mode: run.mode,
    async,
    sku: data.setup_data?.sku ?? null,
    vus: run.vus,
    durationMs: run.durationMs,
    answered,
    outcomes,
    perSecond: own / seconds,
    answersPerSecond: answered / seconds,
    p50Ms: all.p50,
    p95Ms: all.p95,
    p99Ms: all.p99,
    drainPerSecond: value(data, 'drain_per_second', 'value'),
    drainAfterMs: value(data, 'drain_after', 'value'),
    oversoldUnits: value(data, 'oversold_units', 'value'),
    pendingUnitsLeft: value(data, 'pending_units_left', 'value'),
    thresholdsOk: thresholdResults(data).ok,
  };
}


export function summarizeCapacity(data: SummaryData, run: CapacityRun, summaryPath: string): Record<string, string> {
  if (data.setup_data === undefined) return { stdout: '\n  capacity: setup failed, nothing was measured (see the error above)\n\n' };
  const d = capacityDigest(data, run);
  const ms = (v: number | null): string => (v === null ? '-' : `${v.toFixed(1)}ms`);
  const line =
    `\n  capacity · ${d.strategy} · ${d.mode} · ${d.vus} VUs × ${d.durationMs} ms: ${d.perSecond.toFixed(1)}/s ` +
    `(answers ${d.answersPerSecond.toFixed(1)}/s) p50 ${ms(d.p50Ms)} p95 ${ms(d.p95Ms)} · 201 ${d.outcomes.confirmed} 202 ${d.outcomes.pending} ` +
    `409 ${d.outcomes.soldOut} 503 ${d.outcomes.contended} error ${d.outcomes.error}` +
    `${d.drainPerSecond !== null ? ` · drain ${d.drainPerSecond.toFixed(1)}/s, done ${ms(d.drainAfterMs)} after` : ''}\n\n`;
  const out: Record<string, string> = { stdout: line };
  if (summaryPath !== '') out[summaryPath] = JSON.stringify(d, null, 2);
  return out;
}
