import { defineScripts } from './common/redis-scripts.js';
import { createNaive, naiveFacts } from './naive/index.js';
import { createKafkaQueue, kafkaQueueFacts } from './kafka-queue/index.js';
import { createOutbox, outboxFacts } from './outbox/index.js';
import { createPgAtomic, pgAtomicFacts } from './pg-atomic/index.js';
import { createPgBatched, pgBatchedFacts } from './pg-batched/index.js';
import { createPgOptimistic, pgOptimisticFacts } from './pg-optimistic/index.js';
import { createPgPessimistic, pgPessimisticFacts } from './pg-pessimistic/index.js';
import { createPgAdvisory, pgAdvisoryFacts } from './pg-advisory/index.js';
import { createRedisLock, redisLockFacts } from './redis-lock/index.js';
import { createRedisLua, redisLuaFacts } from './redis-lua/index.js';
import { type CounterRebuild, createCounterRebuild } from './common/counter-rebuild.js';
import { createRedlock, redlockFacts } from './redlock/index.js';
import { createEtcdLock, etcdLockFacts } from './etcd-lock/index.js';
import { createReserve, reserveFacts } from './reserve/index.js';
import { withRefusalsAsValues } from './refusals.js';
import type { Strategy, StrategyDeps, StrategyFacts } from './strategy.js';

export type StrategyRegistry = ReadonlyMap<string, Strategy>;

/** What several strategies of one process share, built once. */
export interface SharedParts {
  /** The Redis counter's rebuild from PostgreSQL, for the strategies whose scripts read it. */
  counters: CounterRebuild;
}

/** A strategy as the registry holds it: its facts, known without building it, and how to build it. */
export interface StrategyDefinition {
  facts: StrategyFacts;
  create(deps: StrategyDeps, shared: SharedParts): Strategy;
}

/**
 * Every strategy the API serves, in the order reports list them. Adding one
 * is its own file plus a line here: the API lists it, the comparison,
 * report, checks and fault runs take its facts from GET /v1/strategies, and
 * the tests iterate this list.
 */
export const strategyDefinitions: readonly StrategyDefinition[] = [
  { facts: naiveFacts, create: (deps) => createNaive(deps) },
  { facts: pgAtomicFacts, create: (deps) => createPgAtomic(deps) },
  { facts: pgBatchedFacts, create: (deps) => createPgBatched(deps) },
  { facts: pgOptimisticFacts, create: (deps) => createPgOptimistic(deps) },
  { facts: pgPessimisticFacts, create: (deps) => createPgPessimistic(deps) },
  { facts: pgAdvisoryFacts, create: (deps) => createPgAdvisory(deps) },
  { facts: redisLuaFacts, create: (deps, shared) => createRedisLua(deps, shared.counters) },
  { facts: redisLockFacts, create: (deps) => createRedisLock(deps) },
  { facts: redlockFacts, create: (deps) => createRedlock(deps) },
  { facts: etcdLockFacts, create: (deps) => createEtcdLock(deps) },
  { facts: kafkaQueueFacts, create: (deps, shared) => createKafkaQueue(deps, shared.counters) },
  { facts: outboxFacts, create: (deps) => createOutbox(deps) },
  { facts: reserveFacts, create: (deps) => createReserve(deps) },
];

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
