// What a strategy would hold on one hot SKU with more cores: a projection,
// computed from what this machine measured, not a measurement. The formula
// (load-tests/README.md, "Projection"):
//
//   perSecond(C) = min( C × 1000 / cpuMsPerSale , serial bounds )
//
// cpuMsPerSale is the selling phase's CPU per sale (per answer ÷ sales per
// answer) of every part that runs
// on the cores being projected (API, worker, PostgreSQL, Redis, Kafka, etcd;
// k6 is the buyers, not the system). The API and the workers are stateless
// and scale out; the stores are given cores too. What does not scale with
// cores is the one part a hot SKU passes through one at a time, and each
// strategy meets its own:
// - redis-shard: one Redis thread runs the SKU's keys; it holds
//   1000 / (main Redis CPU ms per sale) sales per second;
// - postgres-row-lock: each update of the SKU's row holds its lock to the
//   commit; the hot-row ceiling measured in the same run (pgbench, one row) is
//   that rate, divided by the row updates a sale costs (under 1 when batched);
// - partition-consumer: one consumer applies the SKU's partition, at the
//   drain rate measured with the front door stopped;
// - lock-critical-section: a lock lets one buyer at a time through; the best
//   rate of the contention curve is that section's rate.
import type { PhaseCost } from './cost.js';

export type Bound = 'cpu' | 'redis-shard' | 'postgres-row-lock' | 'partition-consumer' | 'lock-critical-section';

export interface ProjectionPoint {
  cores: number;
  /** Sales per second on one hot SKU: a projection. */
  perSecond: number;
  /** The part that binds first at this many cores. */
  boundBy: Bound;
}

/** The core counts projected. */
export const projectedCores = [2, 8, 32] as const;

/** What the projection needs of one strategy (its facts and its measured figures). */
export interface ProjectionInput {
  async: boolean;
  decidesIn: 'redis' | 'postgres';
  locksIn: string;
  /** The selling phase's cost per answer (hotRowUpdatesPerAnswer and salesPerAnswer included); null: not measured. */
  selling: (PhaseCost & { salesPerAnswer: number; hotRowUpdatesPerAnswer: number | null }) | null;
  /** Best sales/s over the contention curve. */
  curveBest: number | null;
  /** Asynchronous strategies: what the worker confirmed per second, alone. */
  drainPerSecond: number | null;
  /** The PostgreSQL hot-row ceiling of the run (transactions/s on one row). */
  postgresRowTps: number | null;
}

/** The parts of the system the projected cores run (not k6, the buyers). */
const systemParts = ['api', 'worker', 'postgres', 'redis', 'kafka', 'etcd'] as const;

/**
 * CPU ms per sale of the system's parts: per answer, divided by the share of
 * answers that were sales (a lock strategy at 64 buyers answers many cheap
 * 503s, which must not make its sales look cheap).
 */
export function cpuMsPerSale(cost: PhaseCost & { salesPerAnswer: number }): number {
  const perAnswer = systemParts.reduce((sum, part) => sum + cost.cpuMsPerAnswer[part], 0);
  return cost.salesPerAnswer > 0 ? perAnswer / cost.salesPerAnswer : Number.POSITIVE_INFINITY;
}

/** The serial parts this strategy's hot SKU passes through, each with the rate it allows. */
export function serialBounds(input: ProjectionInput): Array<{ bound: Bound; perSecond: number }> {
  const bounds: Array<{ bound: Bound; perSecond: number }> = [];
  const add = (bound: Bound, perSecond: number | null | undefined): void => {
    if (perSecond !== null && perSecond !== undefined && Number.isFinite(perSecond) && perSecond > 0) bounds.push({ bound, perSecond });
  };
  const cost = input.selling;
  if (input.locksIn !== 'none') add('lock-critical-section', input.curveBest);
  const perSale = (perAnswer: number): number => (cost === null || cost.salesPerAnswer <= 0 ? Number.POSITIVE_INFINITY : perAnswer / cost.salesPerAnswer);
  if (input.decidesIn === 'redis' && cost !== null && cost.mainRedisCpuMsPerAnswer > 0) add('redis-shard', 1000 / perSale(cost.mainRedisCpuMsPerAnswer));
  if (input.async) add('partition-consumer', input.drainPerSecond);
  // A strategy that decides in Redis updates the row in batches behind the sales (a catch-up): not in their way.
  if (input.decidesIn === 'postgres' && cost?.hotRowUpdatesPerAnswer !== null && cost?.hotRowUpdatesPerAnswer !== undefined && cost.hotRowUpdatesPerAnswer > 0 && input.postgresRowTps !== null) {
    add('postgres-row-lock', input.postgresRowTps / perSale(cost.hotRowUpdatesPerAnswer));
  }
  return bounds;
}

/** perSecond(C) for each projected C; empty when the selling cost was not measured. */
export function project(input: ProjectionInput): ProjectionPoint[] {
  if (input.selling === null) return [];
  const cpuMs = cpuMsPerSale(input.selling);
  if (!(cpuMs > 0) || !Number.isFinite(cpuMs)) return [];
  const serial = serialBounds(input);
  return projectedCores.map((cores) => {
    const candidates = [{ bound: 'cpu' as Bound, perSecond: (cores * 1000) / cpuMs }, ...serial];
    const first = candidates.reduce((low, c) => (c.perSecond < low.perSecond ? c : low));
    return { cores, perSecond: Math.round(first.perSecond), boundBy: first.bound };
  });
}
