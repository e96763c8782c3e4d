// Turns each strategy's k6 digest (load-tests/k6/summary.ts, written at
// SUMMARY_PATH) and the measured ceilings into report.json's StrategyResult.
import type { Ceilings, OutcomeCounts, Percentiles, StoreName, StrategyResult } from './report-types.js';

/** The part of the flash-sale digest read here (see load-tests/k6/summary.ts). */
export interface FlashSaleDigest {
  strategy: string;
  async: boolean | null;
  purchases: number;
  throughput: number;
  confirmedPerSecond: number;
  outcomes: OutcomeCounts;
  latencyMs: Record<'all' | 'confirmed' | 'pending' | 'soldOut' | 'contended' | 'error', Percentiles>;
  droppedIterations: number;
  settings: { stock: number };
  confirmedUnits: number | null;
  oversoldUnits: number | null;
  undersoldUnits: number | null;
  unsoldUnits: number | null;
  pendingUnitsLeft: number | null;
  auditConsistent: boolean;
  timeToSoldOutMs: number | null;
  settleMs: number | null;
  confirmationDelayMs: Percentiles | null;
  thresholdsOk: boolean;
}

/**
 * Where each strategy's deduction happens, so its confirmed units per second
 * can be read against that store's ceiling. Only redis-lua decides in Redis:
 * redis-lock and redlock take a lock in Redis but write the stock with a fenced
 * UPDATE in PostgreSQL, and kafka-queue's worker applies a conditional UPDATE.
 */
export function storeOf(strategy: string): StoreName {
  return strategy === 'redis-lua' ? 'redis' : 'postgres';
}

function percentiles(p: Percentiles): Percentiles {
  return { count: p.count, p50: p.p50, p95: p.p95, p99: p.p99, max: p.max };
}

function ratio(value: number | null, ceiling: number | null | undefined): number | null {
  return value === null || ceiling === null || ceiling === undefined || ceiling <= 0 ? null : value / ceiling;
}

export function strategyResult(
  digest: FlashSaleDigest,
  extra: { k6ExitCode: number; dashboard: string | null },
  ceilings: Ceilings,
): StrategyResult {
  const store = storeOf(digest.strategy);
  const storeCeiling = store === 'redis' ? ceilings.redis?.opsPerSecond : ceilings.postgres?.tps;
  const all = percentiles(digest.latencyMs.all);
  return {
    strategy: digest.strategy,
    async: digest.async === true,
    store,
    throughput: digest.throughput,
    confirmedPerSecond: digest.confirmedPerSecond,
    latencyMs: all,
    latencyByOutcomeMs: {
      confirmed: percentiles(digest.latencyMs.confirmed),
      pending: percentiles(digest.latencyMs.pending),
      soldOut: percentiles(digest.latencyMs.soldOut),
      contended: percentiles(digest.latencyMs.contended),
      error: percentiles(digest.latencyMs.error),
    },
    outcomes: digest.outcomes,
    purchases: digest.purchases,
    droppedIterations: digest.droppedIterations,
    stock: digest.settings.stock,
    confirmedUnits: digest.confirmedUnits,
    oversoldUnits: digest.oversoldUnits,
    undersoldUnits: digest.undersoldUnits,
    unsoldUnits: digest.unsoldUnits,
    timeToSellOutMs: digest.timeToSoldOutMs,
    confirmationDelayMs: digest.confirmationDelayMs,
    settleMs: digest.settleMs,
    pendingUnitsLeft: digest.pendingUnitsLeft,
    auditConsistent: digest.auditConsistent,
    thresholdsOk: digest.thresholdsOk,
    k6ExitCode: extra.k6ExitCode,
    dashboard: extra.dashboard,
    ratios: {
      throughputToHttpCeiling: ratio(digest.throughput, ceilings.http?.throughput),
      confirmedToStoreCeiling: ratio(digest.confirmedPerSecond, storeCeiling),
      p50ToHttpFloor: ratio(all.p50, ceilings.http?.atRate.latencyMs.p50),
    },
  };
}
