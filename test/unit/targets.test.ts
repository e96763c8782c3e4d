import { describe, expect, it } from 'vitest';
import { targetsOf } from '../../load-tests/compare/targets.js';
import type { StrategyResult } from '../../load-tests/compare/report-types.js';
import { sampleReport } from '../helpers/sample-report.js';

/** Two strategies of a sample report, given the facts and figures the lease targets read. */
function leaseAndBatch(lease: { perSecond: number; toHttp: number; netCommands: number | null }, batchPerSecond: number): StrategyResult[] {
  const [first, second] = sampleReport().strategies.filter((r) => r.safe && !r.async);
  if (first === undefined || second === undefined || first.capacity.selling === null || second.capacity.selling === null || first.cost.selling === null) throw new Error('sample report changed');
  return [
    {
      ...first,
      strategy: 'leasing',
      decidesPer: 'lease',
      capacity: { ...first.capacity, selling: { ...first.capacity.selling, perSecond: lease.perSecond, ratios: { ...first.capacity.selling.ratios, toHttpCeiling: lease.toHttp } } },
      cost: { ...first.cost, selling: { ...first.cost.selling, redisCommandsNetPerAnswer: lease.netCommands, salesPerAnswer: 1 } },
    },
    { ...second, strategy: 'batching', decidesPer: 'batch', capacity: { ...second.capacity, selling: { ...second.capacity.selling, perSecond: batchPerSecond } } },
  ];
}

const leaseTargets = (results: StrategyResult[]) => targetsOf(results).filter((target) => target.name.startsWith('leasing'));

describe('the lease targets of issue 24, found by facts, not names', () => {
  it('are met at 0.8x the HTTP ceiling, 1.5x the group-commit strategy and 0.05 Redis commands a sale', () => {
    expect(leaseTargets(leaseAndBatch({ perSecond: 1500, toHttp: 0.8, netCommands: 0.05 }, 1000)).map((t) => t.met)).toEqual([true, true, true]);
  });

  it('are missed just below each, and unknown when a figure was not measured', () => {
    expect(leaseTargets(leaseAndBatch({ perSecond: 1499, toHttp: 0.79, netCommands: 0.051 }, 1000)).map((t) => t.met)).toEqual([false, false, false]);
    expect(leaseTargets(leaseAndBatch({ perSecond: 1500, toHttp: 0.8, netCommands: null }, 1000)).map((t) => t.met)).toEqual([true, true, null]);
  });

  it('are not reported for a run without a lease strategy', () => {
    expect(targetsOf(sampleReport().strategies).filter((t) => t.name.includes('lease'))).toEqual([]);
  });
});
