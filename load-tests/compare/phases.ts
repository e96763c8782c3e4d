// One k6 run per phase: the closed-loop capacity phases (load-tests/k6/capacity.ts)
// and the open-model spike (load-tests/k6/flash-sale.ts). Each writes its
// digest, log and (spike) dashboard into the results folder; a phase whose
// k6 run produced no digest is reported as missing, never as zero.
import { listStrategies as listHarnessStrategies } from '../../harness/client.js';
import type { StrategyFacts } from '../../services/strategies/facts.js';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SeriesCounts } from '../k6/series-plan.js';
import type { OutcomeCounts, Percentiles } from './report-types.js';
import { runK6 } from './k6.js';

/** What every phase needs to reach the API. */
export interface Target {
  k6Bin: string;
  dir: string;
  apiUrl: string;
  adminToken: string;
  settleTimeoutMs: number;
  /** Per-user limit of every SKU the k6 scripts create; undefined: unlimited. */
  maxPerUser: number | undefined;
}

import type { CapacityDigest, ReservationDigest, SpikeDigest, WaitingRoomDigest } from './digests.js';
import type { WaitingRoomPhase } from './waiting-room.js';

export type { CapacityDigest, ReservationDigest, SpikeDigest };

export interface PhaseRun<T> {
  digest: T | undefined;
  exitCode: number;
  /** Why there is no digest, for the report. */
  failure: string | undefined;
}

function readDigest<T>(path: string, exitCode: number, log: string): PhaseRun<T> {
  try {
    return { digest: JSON.parse(readFileSync(path, 'utf8')) as T, exitCode, failure: undefined };
  } catch {
    // setup() failed or k6 was killed: reported as missing.
    return { digest: undefined, exitCode, failure: `k6 exit ${exitCode}, no summary; see ${log}` };
  }
}

export interface CapacityPhase {
  /** File stem in the results folder, e.g. `pg-atomic.r1.selling`. */
  name: string;
  label: string;
  strategy: string;
  mode: 'selling' | 'refusing';
  vus: number;
  durationMs: number;
  /** Called when the load ends and the teardown's settling begins (the worker is resumed there). */
  onScenarioEnd?: (() => void) | undefined;
}

export async function runCapacity(target: Target, phase: CapacityPhase): Promise<PhaseRun<CapacityDigest>> {
  const summaryPath = join(target.dir, `${phase.name}.json`);
  const log = `${phase.name}.k6.log`;
  const exitCode = await runK6(target.k6Bin, {
    label: phase.label,
    script: 'load-tests/k6/capacity.ts',
    env: {
      API_URL: target.apiUrl,
      ADMIN_TOKEN: target.adminToken,
      STRATEGY: phase.strategy,
      MODE: phase.mode,
      VUS: String(phase.vus),
      DURATION: `${phase.durationMs}ms`,
      SETTLE_TIMEOUT: `${target.settleTimeoutMs}ms`,
      MAX_PER_USER: String(target.maxPerUser ?? 0),
    },
    summaryPath,
    logFile: join(target.dir, log),
    // Setup + phase + graceful stop (5 s) + settling + summary.
    timeoutMs: phase.durationMs + target.settleTimeoutMs + 120_000,
    onScenarioEnd: phase.onScenarioEnd,
  });
  return readDigest<CapacityDigest>(summaryPath, exitCode, log);
}

export interface SpikePhase {
  name: string;
  label: string;
  strategy: string;
  stock: number;
  rate: number;
  demandFactor: number;
  durationMs: number;
}

export async function runSpike(target: Target, phase: SpikePhase): Promise<PhaseRun<SpikeDigest> & { dashboard: string | null }> {
  const summaryPath = join(target.dir, `${phase.name}.json`);
  const dashboard = `${phase.name}.dashboard.html`;
  const log = `${phase.name}.k6.log`;
  const exitCode = await runK6(target.k6Bin, {
    label: phase.label,
    script: 'load-tests/k6/flash-sale.ts',
    env: {
      API_URL: target.apiUrl,
      ADMIN_TOKEN: target.adminToken,
      STRATEGY: phase.strategy,
      STOCK: String(phase.stock),
      RATE: String(phase.rate),
      DURATION: `${phase.durationMs}ms`,
      DEMAND_FACTOR: String(phase.demandFactor),
      SETTLE_TIMEOUT: `${target.settleTimeoutMs}ms`,
      MAX_PER_USER: String(target.maxPerUser ?? 0),
    },
    summaryPath,
    dashboardPath: join(target.dir, dashboard),
    logFile: join(target.dir, log),
    // Window + setup + requests still in flight (30 s timeout) + settling + summary.
    timeoutMs: phase.durationMs + target.settleTimeoutMs + 180_000,
  });
  // k6 skips the dashboard export when a run is too short to chart.
  return { ...readDigest<SpikeDigest>(summaryPath, exitCode, log), dashboard: existsSync(join(target.dir, dashboard)) ? dashboard : null };
}

/** The reservation scenario's settings (load-tests/k6/reservations.ts). */
export interface ReservationPhase {
  stock: number;
  holdSeconds: number;
  payShare: number;
  rate: number;
  windowMs: number;
}

export async function runReservations(target: Target, phase: ReservationPhase, strategy: string): Promise<PhaseRun<ReservationDigest>> {
  const name = 'reservations';
  const summaryPath = join(target.dir, `${name}.json`);
  const log = `${name}.k6.log`;
  const exitCode = await runK6(target.k6Bin, {
    label: 'reservations',
    script: 'load-tests/k6/reservations.ts',
    env: {
      API_URL: target.apiUrl,
      ADMIN_TOKEN: target.adminToken,
      STRATEGY: strategy,
      STOCK: String(phase.stock),
      HOLD_SECONDS: String(phase.holdSeconds),
      PAY_SHARE: String(phase.payShare),
      RATE: String(phase.rate),
      WINDOW: `${phase.windowMs}ms`,
    },
    summaryPath,
    logFile: join(target.dir, log),
    // Window + graceful stop + every hold's end + summary.
    timeoutMs: phase.windowMs + phase.holdSeconds * 1000 + 120_000,
  });
  return readDigest<ReservationDigest>(summaryPath, exitCode, log);
}

/** The waiting-room scenario (load-tests/k6/waiting-room.ts), one mode. */
export async function runWaitingRoom(target: Target, phase: WaitingRoomPhase, strategy: string, mode: 'room' | 'direct'): Promise<PhaseRun<WaitingRoomDigest>> {
  const name = `waiting-room.${mode}`;
  const summaryPath = join(target.dir, `${name}.json`);
  const log = `${name}.k6.log`;
  const exitCode = await runK6(target.k6Bin, {
    label: `waiting room (${mode})`,
    script: 'load-tests/k6/waiting-room.ts',
    env: {
      API_URL: target.apiUrl,
      ADMIN_TOKEN: target.adminToken,
      STRATEGY: strategy,
      MODE: mode,
      STOCK: String(phase.stock),
      DEMAND_FACTOR: String(phase.demandFactor),
      ARRIVAL: `${phase.arrivalMs}ms`,
      ADMIT: String(phase.admit),
      BUYER_LIMIT: `${phase.buyerLimitMs}ms`,
    },
    summaryPath,
    logFile: join(target.dir, log),
    // Arrivals + the last buyer's bound + graceful stop + audit + summary.
    timeoutMs: phase.arrivalMs + phase.buyerLimitMs + 120_000,
  });
  return readDigest<WaitingRoomDigest>(summaryPath, exitCode, log);
}

/** What the comparison needs to know of a strategy: its facts, as GET /v1/strategies serves them. */
export type StrategyInfo = Pick<StrategyFacts, 'name' | 'async' | 'safe' | 'decidesIn' | 'holds' | 'locksIn' | 'decidesPer'>;

/** The strategies the API serves, in its order: the default set of a run. */
export async function listStrategies(apiUrl: string): Promise<StrategyInfo[]> {
  // 10 s: a cold API compiles its first answer; this runs once per compare.
  const listed = await listHarnessStrategies({ url: apiUrl, timeoutMs: 10_000 });
  return listed.map(({ name, async, safe, decidesIn, holds, locksIn, decidesPer }) => ({ name, async, safe, decidesIn, holds, locksIn, decidesPer }));
}

export function pickStrategies(known: StrategyInfo[], wanted: string[] | undefined): StrategyInfo[] {
  if (wanted === undefined) return known;
  const names = known.map((s) => s.name);
  const unknown = wanted.filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new Error(`unknown strategy: ${unknown.join(', ')} (the API knows ${names.join(', ')})`);
  return wanted.map((name) => known.find((s) => s.name === name) as StrategyInfo);
}
