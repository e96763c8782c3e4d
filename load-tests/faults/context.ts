// What one run (one scenario × one strategy) shares between the runner, the
// fault it injects and its assertions.
import type { AdminClient, StrategyInfo } from './admin.js';
import type { BurstSize } from './args.js';
import type { Cleanups } from './cleanup.js';
import type { Ledger } from './ledger.js';
import type { ServiceProcess } from './processes.js';
import type { StackControl } from './stack-control.js';
import type { Toxiproxy } from './toxiproxy.js';

export interface Services {
  /** The APIs of the scenario; the first takes the load unless the scenario routes otherwise. */
  apis: ServiceProcess[];
  /** The first of `workers`, when the scenario runs any. */
  worker: ServiceProcess | undefined;
  /** Every worker of the scenario, in one consumer group (one unless the scenario asks for more). */
  workers: ServiceProcess[];
  urlOf(api: ServiceProcess): string;
}

export interface FaultWindow {
  /** Ledger clock (ms since the run's ledger started): the fault began... */
  start?: number;
  /** ...and was fully undone (process resumed or restarted and serving, toxics removed). */
  end?: number;
}

export interface RunContext {
  scenario: string;
  strategy: StrategyInfo;
  sku: string;
  size: BurstSize;
  ledger: Ledger;
  services: Services;
  stack: StackControl;
  toxiproxy: Toxiproxy;
  cleanups: Cleanups;
  admin: AdminClient;
  window: FaultWindow;
  /** What happened that a reader of the report needs (a skipped step, a fault that could not be placed). */
  notes: string[];
  /** Scenario-specific facts (the lock-holder's fencing counter, the API the load goes to...). */
  facts: Record<string, number | boolean | string>;
  /** Scenario-specific assertions, added by the fault (name, ok, detail). */
  checks: Array<{ name: string; ok: boolean; detail: string }>;
  say(line: string): void;
}
