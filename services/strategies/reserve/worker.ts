import type { Stoppable, WorkerParts } from '../strategy.js';
import { startHoldSweeper } from './hold-sweeper.js';
import { startReleaseRepair } from './release-repair.js';

/** reserve's part of the worker: the sweeper that ends lapsed holds, and the repair of their copies to Redis. */
export async function startReserveWorker(parts: WorkerParts): Promise<Stoppable> {
  const loops = [startHoldSweeper(parts), startReleaseRepair(parts)];
  return {
    async stop() {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
