import { defineStockScripts } from './redis-scripts.js';
import { createNaive } from './naive.js';
import { createKafkaQueue } from './kafka-queue.js';
import { createOutbox } from './outbox.js';
import { createPgAtomic } from './pg-atomic.js';
import { createPgBatched } from './pg-batched.js';
import { createPgOptimistic } from './pg-optimistic.js';
import { createPgPessimistic } from './pg-pessimistic.js';
import { createRedisLock } from './redis-lock.js';
import { createRedisLua } from './redis-lua.js';
import { createCounterRebuild } from './counter-rebuild.js';
import { createRedlock } from './redlock.js';
import type { Strategy, StrategyDeps } from './strategy.js';

export type StrategyRegistry = ReadonlyMap<string, Strategy>;

/** Every strategy the API serves, by the name clients send in X-Strategy. */
export function createStrategyRegistry(deps: StrategyDeps): StrategyRegistry {
  defineStockScripts(deps.redis);
  // One per process, shared by the strategies whose scripts read the Redis counter.
  const counters = createCounterRebuild(deps);
  const strategies = [
    createNaive(deps),
    createPgAtomic(deps),
    createPgBatched(deps),
    createPgOptimistic(deps),
    createPgPessimistic(deps),
    createRedisLua(deps, counters),
    createRedisLock(deps),
    createRedlock(deps),
    createKafkaQueue(deps, counters),
    createOutbox(deps),
  ];
  return new Map(strategies.map((strategy) => [strategy.name, strategy]));
}
