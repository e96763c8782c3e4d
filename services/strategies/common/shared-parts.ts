import type { CounterRebuild } from './counter-rebuild.js';
import type { Stoppable } from '../strategy.js';

/** What several strategies of one process share, built once (registry.ts builds it). */
export interface SharedParts {
  /** The Redis counter's rebuild from PostgreSQL, for the strategies whose scripts read it. */
  counters: CounterRebuild;
  /** The process's one skus.stock catch-up, for the strategies whose orders skip the stock row (stock-catch-up.ts). */
  stockCatchUp: () => Stoppable;
}
