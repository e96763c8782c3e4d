import { getPriority, setPriority } from 'node:os';

/**
 * The runner measures how fast the API sheds load, on the same 2 cores as the
 * API and PostgreSQL it overloads. Starved of CPU, its own event loop ran up
 * to 288 ms late and added that to the answers it timed. Raised above the
 * stack it measures (its children start back at normal priority, see
 * atNormalPriority), it times the servers rather than its own wait for a core.
 * Needs root (CAP_SYS_NICE); without it the run goes on at normal priority.
 */
export function raiseRunnerPriority(niceness = -10): string {
  try {
    setPriority(niceness);
    return `runner at nice ${getPriority()} (its children at 0)`;
  } catch (error: unknown) {
    return `runner at normal priority (could not raise it: ${error instanceof Error ? error.message : String(error)})`;
  }
}
