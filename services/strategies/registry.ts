import { defineStockScripts } from './redis-scripts.js';
import { createNaive } from './naive.js';
import { createPgAtomic } from './pg-atomic.js';
import { createRedisLua } from './redis-lua.js';
import type { Strategy, StrategyDeps } from './strategy.js';

export type StrategyRegistry = ReadonlyMap<string, Strategy>;

/** Every strategy the API serves, by the name clients send in X-Strategy. */
export function createStrategyRegistry(deps: StrategyDeps): StrategyRegistry {
  defineStockScripts(deps.redis);
  const strategies = [createNaive(deps), createPgAtomic(deps), createRedisLua(deps)];
  return new Map(strategies.map((strategy) => [strategy.name, strategy]));
}
