import { describe, expect, it } from 'vitest';
import { arrivalWindowOf, parseDuration, parseOptions } from '../../load-tests/compare/args.js';
import { type FlashSaleDigest, storeOf, strategyResult } from '../../load-tests/compare/build-report.js';
import { runChecks } from '../../load-tests/compare/checks.js';
import type { StrategyResult } from '../../load-tests/compare/report-types.js';
import { sampleReport } from '../helpers/sample-report.js';

describe('compare options', () => {
  it('sizes the window from stock × demand ÷ rate, capped by --duration', () => {
    expect(arrivalWindowOf({ stock: 200, demandFactor: 10, rate: 200, durationMs: 30_000 })).toEqual({ windowMs: 10_000, plannedPurchases: 2000, targetPurchases: 2000 });
    expect(arrivalWindowOf({ stock: 200, demandFactor: 10, rate: 200, durationMs: 5000 })).toEqual({ windowMs: 5000, plannedPurchases: 1000, targetPurchases: 2000 });
  });

  it('reads durations as k6 does and refuses nonsense', () => {
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('soon')).toThrow(/--duration must be a duration/);
    expect(() => parseDuration('0')).toThrow(/longer than 0/);
  });

  it('has quick defaults, and demand must exceed stock', () => {
    const quick = parseOptions(['--quick']);
    expect(quick).toMatchObject({ quick: true, stock: 50, rate: 200 });
    expect(parseOptions(['--strategies', 'pg-atomic, redis-lua'])).toMatchObject({ strategies: ['pg-atomic', 'redis-lua'], stock: 200 });
    expect(() => parseOptions(['--demand-factor', '1'])).toThrow(/demand/);
    expect(() => parseOptions(['--stock', '0'])).toThrow(/--stock/);
    expect(() => parseOptions(['--bogus'])).toThrow();
    expect(parseOptions(['--help'])).toBe('help');
  });
});

describe('compare checks', () => {
  const sample = sampleReport();
  const report = sample;
  const names = report.strategies.map((s) => s.strategy);
  const failed = (results: StrategyResult[], requested = names) =>
    runChecks(requested, results, report.ceilings, new Map())
      .filter((check) => !check.ok)
      .map((check) => check.name);

  it('pass on a run where only naive oversold and every figure is there', () => {
    expect(failed(report.strategies)).toEqual([]);
  });

  it('fail when a safe strategy oversold', () => {
    const results = report.strategies.map((s) => (s.strategy === 'pg-atomic' ? { ...s, oversoldUnits: 1 } : s));
    expect(failed(results)).toEqual(['no safe strategy oversold']);
  });

  it('fail when a safe strategy sold nothing, lied about sold out, or left the stores out of step', () => {
    const name = 'every safe strategy sold, and said sold out only when it was';
    const refusedAll = report.strategies.map((s) => (s.strategy === 'redis-lock' ? { ...s, confirmedUnits: 0, unsoldUnits: s.stock, undersoldUnits: s.stock } : s));
    expect(failed(refusedAll)).toEqual([name]);
    const lied = report.strategies.map((s) => (s.strategy === 'pg-atomic' ? { ...s, confirmedUnits: s.stock - 3, unsoldUnits: 3, undersoldUnits: 0 } : s));
    expect(failed(lied)).toEqual([name]);
    const inconsistent = report.strategies.map((s) => (s.strategy === 'outbox' ? { ...s, auditConsistent: false } : s));
    expect(failed(inconsistent)).toEqual([name]);
    // Stock left while buyers got 503s is undersold: reported, not a failure (the sample's redlock).
    expect(failed(sample.strategies)).toEqual([]);
  });

  it('fail when naive did not oversell', () => {
    const results = report.strategies.map((s) => (s.strategy === 'naive' ? { ...s, oversoldUnits: 0 } : s));
    expect(failed(results)).toEqual(['naive oversold (the audit catches it)']);
  });

  it('fail when a strategy or a ceiling is missing, or units were left pending', () => {
    expect(failed(report.strategies.filter((s) => s.strategy !== 'redlock'))).toEqual(['every strategy measured']);
    const withoutRedis = runChecks(names, report.strategies, { ...report.ceilings, redis: null }, new Map()).filter((c) => !c.ok);
    expect(withoutRedis.map((c) => c.name)).toEqual(['every ceiling measured']);
    const pending = report.strategies.map((s) => (s.strategy === 'kafka-queue' ? { ...s, pendingUnitsLeft: 3 } : s));
    expect(failed(pending)).toEqual(['nothing left pending']);
  });
});

describe('strategy results', () => {
  it('read each strategy against the ceiling of the store it deducts in', () => {
    expect(storeOf('redis-lua')).toBe('redis');
    expect(storeOf('redlock')).toBe('postgres');
    const p = { count: 10, p50: 4, p95: 8, p99: 9, max: 12 };
    const digest: FlashSaleDigest = {
      strategy: 'redis-lua',
      async: false,
      purchases: 10,
      throughput: 500,
      confirmedPerSecond: 200,
      outcomes: { confirmed: 5, pending: 0, soldOut: 5, contended: 0, error: 0 },
      latencyMs: { all: p, confirmed: p, pending: p, soldOut: p, contended: p, error: p },
      droppedIterations: 0,
      settings: { stock: 5 },
      confirmedUnits: 5,
      oversoldUnits: 0,
      undersoldUnits: 0,
      unsoldUnits: 0,
      pendingUnitsLeft: 0,
      auditConsistent: true,
      timeToSoldOutMs: 25,
      settleMs: null,
      confirmationDelayMs: null,
      thresholdsOk: true,
    };
    const ceilings = sampleReport().ceilings;
    const result = strategyResult(digest, { k6ExitCode: 0, dashboard: null }, ceilings);
    expect(result.ratios.throughputToHttpCeiling).toBeCloseTo(500 / (ceilings.http?.throughput ?? 1));
    expect(result.ratios.confirmedToStoreCeiling).toBeCloseTo(200 / (ceilings.redis?.opsPerSecond ?? 1));
    expect(result.ratios.p50ToHttpFloor).toBeCloseTo(4 / (ceilings.http?.atRate.latencyMs.p50 ?? 1));
    expect(strategyResult(digest, { k6ExitCode: 0, dashboard: null }, { http: null, redis: null, postgres: null }).ratios).toEqual({
      throughputToHttpCeiling: null,
      confirmedToStoreCeiling: null,
      p50ToHttpFloor: null,
    });
  });
});
