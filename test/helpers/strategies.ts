import { strategyFacts } from '../../services/strategies/registry.js';
import type { StrategyFacts } from '../../services/strategies/strategy.js';

// Read from the registry, so a strategy added there is in every test that iterates these.
const names = (pick: (facts: StrategyFacts) => boolean): string[] => strategyFacts.filter(pick).map((facts) => facts.name);

/** Every registered strategy. */
export const everyStrategy = names(() => true);

/** The deliberately unsafe baselines: they must oversell under concurrency, and the audit must see it. */
export const unsafeStrategies = names((s) => !s.safe);

/** Strategies that must never oversell and answer synchronously (201/409). */
export const syncSafeStrategies = names((s) => s.safe && !s.async);

/** Safe strategies that answer 202 and settle in the worker. */
export const asyncStrategies = names((s) => s.safe && s.async);

export const safeStrategies = names((s) => s.safe);

export const isAsync = (strategy: string): boolean => strategyFacts.find((s) => s.name === strategy)?.async === true;
