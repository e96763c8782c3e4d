// The scenarios: what is done to the system, to which strategies, at which
// point of the burst. Names are what --scenarios takes.
import type { StrategyInfo } from './admin.js';
import type { PickApi } from './burst.js';
import type { RunContext } from './context.js';
import { flushMainRedis, killApi, pausePids, killStackService, killWorkerRepeatedly, pausePostgres, pauseStackService, rollBackCounter, toxicSequence } from './injectors.js';
import { holderRouting, pauseLockHolder } from './lock-holder.js';
import type { Toxic } from './toxiproxy.js';
import { connectionFlood, floodCap } from './connection-flood.js';
import { aliveRoundRobin, killOneApi, killOneWorker } from './one-of-n.js';
import { failOverSkuMaster } from './redis-failover.js';

export type Store = 'postgres' | 'redis' | 'kafka';

export interface Scenario {
  name: string;
  /** One line for the report. */
  what: string;
  appliesTo(strategy: StrategyInfo): boolean;
  /**
   * What it runs with --quick (empty: not in the quick subset): each pick is
   * the first strategy, in the API's order, that the scenario applies to and
   * the pick matches. Picked by facts, so a new strategy is never named here.
   */
  quick: readonly QuickPick[];
  /**
   * A dependency is taken away (or the load is 10×): 503s must come within
   * 1 s at p95 (the bound) and no attempt may be held past 11 s.
   */
  bounded: boolean;
  /** Final answers before the fault is injected (0: at once, the fault itself waits for its moment). */
  triggerAt: number;
  /** Env of every API and worker this scenario starts (e.g. REDIS_MAIN=cluster). */
  env?: Record<string, string>;
  /** Env of each API to start (default: one API). */
  apis?: Array<Record<string, string>>;
  /** Workers to start, in one consumer group, when the strategy needs one (default 1). */
  workers?: number;
  /** Start the services afresh for every strategy (the hold point fires once per process). */
  freshServicesPerRun?: boolean;
  /** The API (and worker) reach this store through its toxiproxy proxy. */
  proxied?: Store;
  /** Purchases started per second, when not the default: the slow-network toxics last 7.5 s and must meet live sales. */
  ratePerSecond?: number;
  /** Buyers go through the SKU's waiting room (admission far above the burst's rate), then buy with its token. */
  line?: true;
  /** 'overload': the load is the fault (open loop at 10× the measured capacity, capped at what the API can answer at all). */
  load?: 'overload';
  fault(ctx: RunContext): Promise<void>;
  pickApi?(ctx: RunContext): PickApi;
}

/** Whether a strategy needs the worker running (its facts say so: queue consumer, outbox relay). */
export const needsWorker = (s: StrategyInfo): boolean => s.needs.includes('worker');
const all = (): boolean => true;
const usesKafka = (s: StrategyInfo): boolean => s.needs.includes('kafka');
const locksIn =
  (...stores: Array<StrategyInfo['locksIn']>) =>
  (s: StrategyInfo): boolean =>
    stores.includes(s.locksIn);
// A rolled-back Redis counter matters to strategies that meet it first; the others copy to it.
const countsInRedis = (s: StrategyInfo): boolean => s.keepsStockIn === 'redis';

/** A strategy the quick subset takes: the first in the API's order that matches. */
export type QuickPick = (s: StrategyInfo) => boolean;
// The plainest safe one: decides in PostgreSQL's row, no lock, no queue, no hold, nothing else to run.
const plainPostgres: QuickPick = (s) => s.safe && !s.async && s.keepsStockIn === 'postgres' && s.locksIn === 'none' && !s.holds && s.needs.length === 0;
const queued: QuickPick = (s) => s.async;
const decidesInRedis: QuickPick = (s) => s.decidesIn === 'redis';
const singleRedisLock: QuickPick = (s) => s.locksIn === 'redis';
const quorumLock: QuickPick = (s) => s.locksIn === 'redis-quorum';

// 40/s: 400 purchases over 10 s (300 over 7.5 s with --quick), so the 7.5 s of toxics, injected after
// 40 answers (1 s in), meet sales in progress rather than a sold-out SKU.
const slowNetworkRate = 40;

// 5 s: the pause the issue measured with (a GC, a VM migration, a slow fsync).
const shortPauseMs = 5_000;

/** Latency, then a black hole that closes after 3 s, then connection resets: the three ways a network fails. */
function slowNetwork(): Array<{ toxic: Toxic; ms: number }> {
  return [
    // 250 ms each way of the answer, ±50: a congested cross-zone link, far above a local store's 1 ms.
    { toxic: { name: 'faults-latency', type: 'latency', stream: 'downstream', attributes: { latency: 250, jitter: 50 } }, ms: 3_000 },
    // No data for 3 s, then the connection is closed: a partition that a TCP timeout ends.
    { toxic: { name: 'faults-timeout', type: 'timeout', stream: 'upstream', attributes: { timeout: 3_000 } }, ms: 3_000 },
    // Every connection reset as soon as it carries data, for 1.5 s: a middlebox or a restarting peer.
    { toxic: { name: 'faults-reset', type: 'reset_peer', stream: 'upstream', attributes: { timeout: 0 } }, ms: 1_500 },
  ];
}

export const proxyName = (store: Store): string => `faults-${store}`;

export const scenarios: readonly Scenario[] = [
  { name: 'api-kill', what: 'kill -9 of the API mid-burst, restarted at once', appliesTo: all, quick: [plainPostgres, queued], bounded: false, triggerAt: 60, fault: killApi },
  {
    name: 'worker-kill',
    what: 'kill -9 of the worker 3 times, 2 s apart, each restarted',
    appliesTo: usesKafka,
    quick: [queued],
    bounded: false,
    triggerAt: 40,
    fault: (ctx) => killWorkerRepeatedly(ctx, 3, 2_000),
  },
  {
    name: 'api-kill-one',
    what: 'kill -9 of one of three API processes mid-burst, not restarted; buyers round robin over the live ones',
    appliesTo: all,
    quick: [plainPostgres],
    bounded: false,
    triggerAt: 60,
    apis: [{}, {}, {}],
    freshServicesPerRun: true,
    pickApi: aliveRoundRobin,
    fault: killOneApi,
  },
  {
    name: 'worker-kill-one',
    what: "kill -9 of one of two workers mid-drain (the SKU's partition owner when queued), not restarted",
    appliesTo: needsWorker,
    quick: [queued],
    bounded: false,
    triggerAt: 40,
    workers: 2,
    freshServicesPerRun: true,
    fault: killOneWorker,
  },
  { name: 'kafka-pause', what: 'Kafka broker SIGSTOP 5 s', appliesTo: usesKafka, quick: [queued], bounded: true, triggerAt: 60, fault: (ctx) => pauseStackService(ctx, 'kafka', shortPauseMs) },
  { name: 'kafka-kill', what: 'Kafka broker kill -9, restarted by the stack script', appliesTo: usesKafka, quick: [], bounded: true, triggerAt: 60, fault: (ctx) => killStackService(ctx, 'kafka') },
  { name: 'redis-pause', what: 'main Redis SIGSTOP 5 s', appliesTo: all, quick: [decidesInRedis], bounded: true, triggerAt: 60, fault: (ctx) => pauseStackService(ctx, 'redis-1', shortPauseMs) },
  {
    name: 'line-redis-pause',
    what: 'buyers through a waiting room; main Redis SIGSTOP 5 s: the line fails closed (join and poll 503), admitted buyers buy on',
    appliesTo: all,
    quick: [plainPostgres],
    bounded: true,
    triggerAt: 60,
    line: true,
    fault: async (ctx) => {
      const before = ctx.ledger.line.unavailable;
      await pauseStackService(ctx, 'redis-1', shortPauseMs);
      const refused = ctx.ledger.line.unavailable - before;
      ctx.checks.push({ name: 'line-closed-while-redis-was-out', ok: refused > 0, detail: `${refused} joins and polls answered 503 (or not at all) while Redis was stopped: nobody was let in then` });
    },
  },
  { name: 'redis-kill', what: 'main Redis kill -9, restarted with its data (AOF)', appliesTo: all, quick: [], bounded: true, triggerAt: 60, fault: (ctx) => killStackService(ctx, 'redis-1') },
  {
    name: 'redis-failover',
    what: "main Redis on the Redis Cluster: the SKU's master kill -9 after its replica fell 1 s behind; the replica is promoted (writes lost), the old master rejoins",
    appliesTo: all,
    quick: [decidesInRedis],
    bounded: true,
    triggerAt: 60,
    env: { REDIS_MAIN: 'cluster' },
    fault: failOverSkuMaster,
  },
  { name: 'redis-flush', what: 'main Redis loses its data (FLUSHALL)', appliesTo: all, quick: [decidesInRedis], bounded: false, triggerAt: 60, fault: flushMainRedis },
  { name: 'redlock-one-down', what: 'one of three Redlock nodes (redis-3) SIGSTOP 5 s', appliesTo: locksIn('redis-quorum'), quick: [quorumLock], bounded: true, triggerAt: 40, fault: (ctx) => pauseStackService(ctx, 'redis-3', shortPauseMs) },
  {
    name: 'redlock-two-down',
    what: 'two of three Redlock nodes (redis-2, redis-3) SIGSTOP 5 s',
    appliesTo: locksIn('redis-quorum'),
    quick: [],
    bounded: true,
    triggerAt: 40,
    fault: (ctx) => pausePids(ctx, 'redis-2 and redis-3', [ctx.stack.pid('redis-2'), ctx.stack.pid('redis-3')], shortPauseMs),
  },
  { name: 'etcd-one-down', what: 'one of three etcd members (etcd-3) SIGSTOP 5 s', appliesTo: locksIn('etcd'), quick: [], bounded: true, triggerAt: 40, fault: (ctx) => pauseStackService(ctx, 'etcd-3', shortPauseMs) },
  {
    name: 'etcd-two-down',
    what: 'two of three etcd members (etcd-2, etcd-3) SIGSTOP 5 s: no majority',
    appliesTo: locksIn('etcd'),
    quick: [],
    bounded: true,
    triggerAt: 40,
    fault: (ctx) => pausePids(ctx, 'etcd-2 and etcd-3', [ctx.stack.pid('etcd-2'), ctx.stack.pid('etcd-3')], shortPauseMs),
  },
  {
    name: 'redis-rollback',
    what: "the SKU's Redis counter and the counts copied into it set back to their values of 0.8 s earlier (async-failover loss)",
    appliesTo: countsInRedis,
    quick: [decidesInRedis],
    bounded: false,
    triggerAt: 20,
    // 0.8 s: what the issue measured an asynchronous failover losing.
    fault: (ctx) => rollBackCounter(ctx, 800),
  },
  { name: 'pg-pause-5s', what: 'PostgreSQL (postmaster and every backend) SIGSTOP 5 s', appliesTo: all, quick: [plainPostgres], bounded: true, triggerAt: 60, fault: (ctx) => pausePostgres(ctx, 5_000) },
  { name: 'pg-pause-15s', what: 'PostgreSQL (postmaster and every backend) SIGSTOP 15 s', appliesTo: all, quick: [], bounded: true, triggerAt: 60, fault: (ctx) => pausePostgres(ctx, 15_000) },
  {
    name: 'lock-holder-pause',
    what: 'a lock holder stops itself (FAULT_HOLD_POINT=lock-held) past its lease before its fenced write; another API sells meanwhile',
    appliesTo: locksIn('redis', 'redis-quorum', 'etcd'),
    quick: [singleRedisLock],
    bounded: false,
    triggerAt: 0,
    apis: [{ FAULT_HOLD_POINT: 'lock-held', LOCK_TTL_MS: '2000' }, { LOCK_TTL_MS: '2000' }],
    freshServicesPerRun: true,
    fault: pauseLockHolder,
    pickApi: holderRouting,
  },
  { name: 'slow-postgres', what: 'toxiproxy to PostgreSQL: latency 250 ms 3 s, timeout 3 s, reset_peer 1.5 s', appliesTo: all, quick: [plainPostgres], bounded: true, triggerAt: 40, ratePerSecond: slowNetworkRate, proxied: 'postgres', fault: (ctx) => toxicSequence(ctx, proxyName('postgres'), slowNetwork()) },
  { name: 'slow-redis', what: 'toxiproxy to the main Redis: latency 250 ms 3 s, timeout 3 s, reset_peer 1.5 s', appliesTo: all, quick: [decidesInRedis], bounded: true, triggerAt: 40, ratePerSecond: slowNetworkRate, proxied: 'redis', fault: (ctx) => toxicSequence(ctx, proxyName('redis'), slowNetwork()) },
  { name: 'slow-kafka', what: 'toxiproxy to Kafka: latency 250 ms 3 s, timeout 3 s, reset_peer 1.5 s', appliesTo: usesKafka, quick: [queued], bounded: true, triggerAt: 40, ratePerSecond: slowNetworkRate, proxied: 'kafka', fault: (ctx) => toxicSequence(ctx, proxyName('kafka'), slowNetwork()) },
  {
    name: 'connection-flood',
    what: `${floodCap * 2} idle TCP connections held past the API's cap (MAX_CONNECTIONS=${floodCap}), re-opened as closed, for 4 s`,
    appliesTo: all,
    quick: [plainPostgres],
    bounded: true,
    triggerAt: 20,
    apis: [{ MAX_CONNECTIONS: String(floodCap) }],
    fault: connectionFlood,
  },
  { name: 'overload', what: 'open loop at 10× the measured selling capacity for 3 s, capped at the API\'s measured refusal rate (and 2,000/s)', appliesTo: all, quick: [plainPostgres], bounded: true, triggerAt: 0, load: 'overload', fault: () => Promise.resolve() },
];

export function pickScenarios(names: string[] | undefined): Scenario[] {
  if (names === undefined) return [...scenarios];
  const unknown = names.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}`);
  return scenarios.filter((s) => names.includes(s.name));
}
