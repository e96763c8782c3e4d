import { defineScripts } from './common/redis-scripts.js';
import { createNaive, naiveFacts } from './naive/index.js';
import { createKafkaQueue, kafkaQueueFacts } from './kafka-queue/index.js';
import { startKafkaQueueWorker } from './kafka-queue/worker.js';
import { createOutbox, outboxFacts } from './outbox/index.js';
import { startOutboxWorker } from './outbox/worker.js';
import { createPgAtomic, pgAtomicFacts } from './pg-atomic/index.js';
import { createPgBatched, pgBatchedFacts } from './pg-batched/index.js';
import { createPgOptimistic, pgOptimisticFacts } from './pg-optimistic/index.js';
import { createPgPessimistic, pgPessimisticFacts } from './pg-pessimistic/index.js';
import { createPgAdvisory, pgAdvisoryFacts } from './pg-advisory/index.js';
import { createRedisLock, redisLockFacts } from './redis-lock/index.js';
import { createRedisLua, redisLuaFacts } from './redis-lua/index.js';
import { type CounterRebuild, createCounterRebuild } from './common/counter-rebuild.js';
import { createRedisLease, redisLeaseFacts } from './redis-lease/index.js';
import { createRedisBuckets, redisBucketsFacts } from './redis-buckets/index.js';
import { createRedlock, redlockFacts } from './redlock/index.js';
import { createEtcdLock, etcdLockFacts } from './etcd-lock/index.js';
import { createReserve, reserveFacts } from './reserve/index.js';
import { startReserveWorker } from './reserve/worker.js';
import { withRefusalsAsValues } from './refusals.js';
import type { Stoppable, Strategy, StrategyDeps, StrategyFacts, WorkerParts } from './strategy.js';

export type StrategyRegistry = ReadonlyMap<string, Strategy>;

/** What several strategies of one process share, built once. */
export interface SharedParts {
  /** The Redis counter's rebuild from PostgreSQL, for the strategies whose scripts read it. */
  counters: CounterRebuild;
}

/** A strategy as the registry holds it: its facts, known without building it, how to build it, and its part of the worker if it has one. */
export interface StrategyDefinition {
  facts: StrategyFacts;
  create(deps: StrategyDeps, shared: SharedParts): Strategy;
  /** Starts what it runs in the worker process (consumers, sweepers); resolves once they run. */
  startWorker?(parts: WorkerParts): Promise<Stoppable>;
}

/**
 * Every strategy the API serves, in the order reports list them. Adding one
 * is its own folder (services/strategies/<name>/) plus a line here: the API
 * lists it, the worker starts its part, the comparison, report, checks and
 * fault runs take its facts from GET /v1/strategies, and the tests iterate
 * this list. No other file names a strategy (strategy-names.test.ts).
 */
export const strategyDefinitions: readonly StrategyDefinition[] = [
  { facts: naiveFacts, create: (deps) => createNaive(deps) },
  { facts: pgAtomicFacts, create: (deps) => createPgAtomic(deps) },
  { facts: pgBatchedFacts, create: (deps) => createPgBatched(deps) },
  { facts: pgOptimisticFacts, create: (deps) => createPgOptimistic(deps) },
  { facts: pgPessimisticFacts, create: (deps) => createPgPessimistic(deps) },
  { facts: pgAdvisoryFacts, create: (deps) => createPgAdvisory(deps) },
  { facts: redisLuaFacts, create: (deps, shared) => createRedisLua(deps, shared.counters) },
  { facts: redisLeaseFacts, create: (deps, shared) => createRedisLease(deps, shared.counters) },
  { facts: redisBucketsFacts, create: (deps, shared) => createRedisBuckets(deps, shared.counters) },
  { facts: redisLockFacts, create: (deps) => createRedisLock(deps) },
  { facts: redlockFacts, create: (deps) => createRedlock(deps) },
  { facts: etcdLockFacts, create: (deps) => createEtcdLock(deps) },
  { facts: kafkaQueueFacts, create: (deps, shared) => createKafkaQueue(deps, shared.counters), startWorker: startKafkaQueueWorker },
  { facts: outboxFacts, create: (deps) => createOutbox(deps), startWorker: startOutboxWorker },
  { facts: reserveFacts, create: (deps) => createReserve(deps), startWorker: startReserveWorker },
];

/** The strategy a purchase without X-Strategy or ?strategy= gets, unless DEFAULT_STRATEGY names another: the plainest safe one. */
export const defaultStrategyName = pgAtomicFacts.name;

/** The facts of every strategy, for whoever needs them without a running API (the tests). */
export const strategyFacts: readonly StrategyFacts[] = strategyDefinitions.map((definition) => definition.facts);

/** Builds every definition (the registry's own by default) by the name clients send in X-Strategy. */
export function createStrategyRegistry(deps: StrategyDeps, definitions: readonly StrategyDefinition[] = strategyDefinitions): StrategyRegistry {
  defineScripts(deps.redis);
  const shared: SharedParts = { counters: createCounterRebuild(deps) };
  const strategies = definitions.map((definition) => {
    const strategy = withRefusalsAsValues(definition.create(deps, shared));
    // The facts served are the definition's: a strategy cannot describe itself twice.
    if (strategy.name !== definition.facts.name) throw new Error(`strategy ${strategy.name} registered as ${definition.facts.name}`);
    return strategy;
  });
  const names = new Set(strategies.map((strategy) => strategy.name));
  if (names.size !== strategies.length) throw new Error('two strategies share a name');
  return new Map(strategies.map((strategy) => [strategy.name, strategy]));
}
