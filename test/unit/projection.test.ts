import { describe, expect, it } from 'vitest';
import type { PhaseCost } from '../../load-tests/compare/cost.js';
import { costBetween, lsnBytes, type CostSample } from '../../load-tests/compare/cost.js';
import { cpuMsPerSale, project, type ProjectionInput } from '../../load-tests/compare/projection.js';

function cost(parts: Partial<PhaseCost['cpuMsPerAnswer']>, extra: Partial<PhaseCost & { salesPerAnswer: number }> = {}, hotRowUpdatesPerAnswer: number | null = 1): ProjectionInput['selling'] {
  return {
    salesPerAnswer: 1,
    answers: 1000,
    cpuMsPerAnswer: { api: 0, worker: 0, postgres: 0, redis: 0, kafka: 0, etcd: 0, k6: 0, ...parts },
    mainRedisCpuMsPerAnswer: parts.redis ?? 0,
    redisCommandsPerAnswer: 1,
    redisCommandsNetPerAnswer: 1,
    pgCommitsPerAnswer: 1,
    walBytesPerAnswer: 300,
    hotRowUpdatesPerAnswer,
    ...extra,
  };
}

const base: Omit<ProjectionInput, 'selling'> = { async: false, decidesIn: 'postgres', locksIn: 'none', curveBest: null, drainPerSecond: null, postgresRowTps: 3000 };

describe('projection', () => {
  it('leaves k6 out of the CPU a sale costs: the buyers are not the system', () => {
    const selling = cost({ api: 1, postgres: 0.5, k6: 7 });
    expect(selling === null ? 0 : cpuMsPerSale(selling)).toBe(1.5);
  });

  it('is CPU-bound on few cores and bound by the hot row past its rate', () => {
    // 2 ms of CPU per sale: 1,000/s on 2 cores, 4,000 on 8; the row takes 3,000 commits/s.
    const points = project({ ...base, selling: cost({ api: 1.2, postgres: 0.8 }) });
    expect(points).toEqual([
      { cores: 2, perSecond: 1000, boundBy: 'cpu' },
      { cores: 8, perSecond: 3000, boundBy: 'postgres-row-lock' },
      { cores: 32, perSecond: 3000, boundBy: 'postgres-row-lock' },
    ]);
  });

  it('divides the row rate by the row updates a sale costs: batching raises the bound', () => {
    const points = project({ ...base, selling: cost({ api: 0.1 }, {}, 0.1) });
    expect(points.at(-1)).toEqual({ cores: 32, perSecond: 30_000, boundBy: 'postgres-row-lock' });
  });

  it('binds a Redis-deciding strategy by its shard thread, not by a row it writes in batches', () => {
    // 0.05 ms of the main Redis per sale: 20,000/s from one thread.
    const points = project({ ...base, decidesIn: 'redis', selling: cost({ api: 0.5, redis: 0.05 }, {}, 0.01) });
    expect(points.map((p) => p.boundBy)).toEqual(['cpu', 'cpu', 'redis-shard']);
    expect(points.at(-1)?.perSecond).toBe(20_000);
  });

  it("binds a lock strategy by its critical section (the curve's best) and a queue by its partition's consumer", () => {
    expect(project({ ...base, locksIn: 'redis', curveBest: 420, selling: cost({ api: 0.2 }) }).at(-1)).toEqual({ cores: 32, perSecond: 420, boundBy: 'lock-critical-section' });
    expect(project({ ...base, async: true, decidesIn: 'redis', drainPerSecond: 900, selling: cost({ api: 0.2, redis: 0.01 }, {}, 0) }).at(-1)).toEqual({ cores: 32, perSecond: 900, boundBy: 'partition-consumer' });
  });

  it('costs a sale, not an answer: cheap 503s do not make sales look cheap', () => {
    // Half the answers were 503s: 1 ms per answer is 2 ms per sale, 1,000/s on 2 cores.
    expect(project({ ...base, selling: cost({ api: 1 }, { salesPerAnswer: 0.5 }, 0.5) })[0]).toEqual({ cores: 2, perSecond: 1000, boundBy: 'cpu' });
  });

  it('projects nothing without a measured cost', () => {
    expect(project({ ...base, selling: null })).toEqual([]);
  });
});

describe('cost between two samples', () => {
  const sample = (cpu: number, redis: number, xid: bigint, wal: bigint): CostSample => ({
    cpuMs: { api: cpu, worker: 0, postgres: cpu / 2, redis: 0, kafka: 0, etcd: 0, k6: 0 },
    mainRedisCpuMs: { 6379: cpu / 10 },
    redisCommands: redis,
    nextXid: xid,
    walBytes: wal,
    atMs: cpu * 10,
  });

  it('divides every delta by the answers', () => {
    const c = costBetween(sample(100, 10, 500n, 1000n), sample(300, 210, 600n, 51_000n), 100);
    expect(c).toMatchObject({ answers: 100, redisCommandsPerAnswer: 2, pgCommitsPerAnswer: 1, walBytesPerAnswer: 500, mainRedisCpuMsPerAnswer: 0.2 });
    expect(c?.cpuMsPerAnswer.api).toBe(2);
    expect(c?.cpuMsPerAnswer.postgres).toBe(1);
  });

  it("takes the main Redis's share from its busiest process: on a cluster, the hot SKU's master", () => {
    const at = (a: number, b: number): CostSample => ({ ...sample(0, 0, 0n, 0n), mainRedisCpuMs: { 17001: a, 17002: b } });
    // 17001 used 300 ms more, 17002 500 ms: its delta, not its total, makes it the busiest.
    expect(costBetween(at(1_000, 100), at(1_300, 600), 100)?.mainRedisCpuMsPerAnswer).toBe(5);
  });

  it('takes the idle rate of Redis commands over the phase off the net count', () => {
    // 200 commands in 2 s (atMs 1,000 -> 3,000), 40/s of them the background: 120 for 100 answers.
    const c = costBetween(sample(100, 10, 0n, 0n), sample(300, 210, 0n, 0n), 100, 40);
    expect(c).toMatchObject({ redisCommandsPerAnswer: 2, redisCommandsNetPerAnswer: 1.2 });
    expect(costBetween(sample(100, 10, 0n, 0n), sample(300, 210, 0n, 0n), 100)?.redisCommandsNetPerAnswer).toBeNull();
  });

  it('has no cost for a phase that answered nothing', () => {
    expect(costBetween(sample(0, 0, 0n, 0n), sample(1, 1, 1n, 1n), 0)).toBeNull();
  });

  it('reads an LSN as a byte position', () => {
    expect(lsnBytes('1/0')).toBe(2n ** 32n);
    expect(lsnBytes('0/1A')).toBe(26n);
  });
});
