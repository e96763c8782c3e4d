import { uncopiedReleases } from '../../../db/queries/holds.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import type { StrategyDeps } from '../strategy.js';
import { copyRelease } from './hold-release.js';

// Releases copied per round: a backlog (Redis was down for a while) drains in full rounds, at once.
const releasesPerRound = 100;
// How soon a release whose copier died reaches Redis: the bound README gives beside HOLD_SWEEP_MS.
const idleMs = 500;

/**
 * Copies to Redis the units given back by ended holds that no process
 * copied: its copier died after the commit, or Redis failed. PostgreSQL
 * says which (released_units above released_copied, raised in the release's
 * own commit), so a release is found within one round of its commit however
 * late that commit came; the copy adds each unit once (hold-release.ts).
 * Runs in the API processes and the worker, side by side.
 */
export function startReleaseRepair(deps: Pick<StrategyDeps, 'db' | 'redis' | 'log'>): PollLoop {
  async function round(): Promise<number> {
    // A failure throws: the loop warns once and comes back after its failure pause.
    const releases = await uncopiedReleases(deps.db, releasesPerRound);
    for (const release of releases) await copyRelease(deps, release);
    return releases.length;
  }
  return startPollLoop(round, { idleMs, failureMs: 1000, batchSize: releasesPerRound, log: deps.log, what: 'release copy repair' });
}
