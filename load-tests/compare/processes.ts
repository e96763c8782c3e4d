// --processes 1,2: the capacity phases at each API process count, in the same
// run. Everything runs at the first count (main.ts); here the API is started
// again as each other count and the selling and refusing phases repeated,
// with their cost, so the report shows what a second process bought on this
// machine (on 2 cores, with k6 taking one, expect little: the projection is
// where more cores are answered).
import { combine } from './aggregate.js';
import type { RunningServices } from './services.js';
import { type RoundContext, capacityRound, emptyMeasurements } from './rounds.js';
import type { ProcessesResult, StrategyResult } from './report-types.js';

interface AtCount {
  selling: number | null;
  refusing: number | null;
  apiCpuMsPerAnswer: number | null;
}

function figuresOf(result: Pick<StrategyResult, 'capacity' | 'cost'>): AtCount {
  return {
    selling: result.capacity.selling?.perSecond ?? null,
    refusing: result.capacity.refusing?.perSecond ?? null,
    apiCpuMsPerAnswer: result.cost.selling?.cpuMsPerAnswer.api ?? null,
  };
}

/** The capacity phases (no curve) of every strategy at `count` API processes. */
async function capacityAt(ctx: RoundContext, services: RunningServices, count: number): Promise<Map<string, AtCount>> {
  ctx.say(`compare: API as ${count} processes on one port: capacity phases again`);
  await services.restartApi(count);
  const m = emptyMeasurements(ctx.strategies);
  await capacityRound({ ...ctx, options: { ...ctx.options, curve: { ...ctx.options.curve, vus: [] } } }, m, 1);
  return new Map(
    m.runs.map((runs) => [
      runs.strategy,
      {
        selling: runs.selling.length === 0 ? null : combine(runs.selling.map((d) => ({ perSecond: d.perSecond }))).perSecond,
        refusing: runs.refusing.length === 0 ? null : combine(runs.refusing.map((d) => ({ perSecond: d.perSecond }))).perSecond,
        apiCpuMsPerAnswer: runs.cost.selling.length === 0 ? null : combine(runs.cost.selling.map((c) => ({ api: c.cpuMsPerAnswer.api }))).api,
      },
    ]),
  );
}

/** The first count's figures from the main run, the others measured here; null without --processes or with one count. */
export async function measureProcessCounts(ctx: RoundContext, services: RunningServices, counts: number[] | undefined, results: StrategyResult[]): Promise<ProcessesResult | null> {
  if (counts === undefined || counts.length < 2) return null;
  const [first, ...others] = counts;
  const measured = new Map<number, Map<string, AtCount>>([[first ?? 1, new Map(results.map((r) => [r.strategy, figuresOf(r)]))]]);
  for (const count of others) measured.set(count, await capacityAt(ctx, services, count));
  return {
    counts,
    strategies: results.map((r) => {
      const at = counts.map((count) => measured.get(count)?.get(r.strategy));
      return {
        strategy: r.strategy,
        selling: at.map((a) => a?.selling ?? null),
        refusing: at.map((a) => a?.refusing ?? null),
        apiCpuMsPerAnswer: at.map((a) => a?.apiCpuMsPerAnswer ?? null),
      };
    }),
  };
}
