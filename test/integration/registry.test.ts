import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import app from '../../services/api/app.js';
import { serverOptions } from '../../services/api/server-options.js';
import { listStrategies } from '../../load-tests/compare/phases.js';
import { emptyMeasurements } from '../../load-tests/compare/rounds.js';
import { AdminClient } from '../../load-tests/faults/admin.js';
import { scenarios } from '../../load-tests/faults/scenarios.js';
import { createPgAtomic } from '../../services/strategies/pg-atomic/index.js';
import { strategyDefinitions } from '../../services/strategies/registry.js';
import type { StrategyFacts } from '../../services/strategies/strategy.js';
import { type RunningApi, adminToken, countBy, createSku, purchase, settledAudit, startApi, testConfig, uniqueSku } from '../helpers/api.js';

// A strategy only this test build registers: pg-atomic's purchase under
// another name, with facts that differ from every registered strategy's.
const throwaway: StrategyFacts = {
  name: 'throwaway-atomic',
  description: 'pg-atomic under another name, registered by a test build only',
  async: false,
  safe: true,
  decidesIn: 'postgres',
  keepsStockIn: 'postgres',
  locksIn: 'none',
  holds: false,
  decidesPer: 'sale',
  spreadsStock: false,
  needs: ['kafka'],
};

let api: RunningApi;
beforeAll(async () => {
  api = await startApi({}, [...strategyDefinitions, { facts: throwaway, create: (deps) => ({ ...createPgAtomic(deps), ...throwaway }) }]);
});
afterAll(async () => {
  await api.close();
});

describe('adding a strategy is its own file and a line in the registry', () => {
  it('the API serves it, with its facts', async () => {
    const served = (await (await fetch(`${api.url}/v1/strategies`)).json()) as StrategyFacts[];
    expect(served.map((s) => s.name)).toEqual([...strategyDefinitions.map((d) => d.facts.name), throwaway.name]);
    expect(served.at(-1)).toEqual(throwaway);
  });

  it('sells with it, by name, exactly the stock', async () => {
    const sku = uniqueSku('throwaway');
    await createSku(api, sku, 20);
    const answers = await Promise.all(Array.from({ length: 100 }, () => purchase(api, { sku, strategy: throwaway.name })));
    expect(countBy(answers)).toEqual({ 201: 20, 409: 80 });
    expect(await settledAudit(api, sku)).toMatchObject({ confirmedUnits: 20, oversoldUnits: 0, consistent: true });
  });

  it('the comparison and the fault runs take it, and what it is, from the API', async () => {
    const listed = await listStrategies(api.url);
    const runs = emptyMeasurements(listed).runs.find((r) => r.strategy === throwaway.name);
    expect(runs).toMatchObject({ strategy: throwaway.name, async: false, safe: true, decidesIn: 'postgres' });

    const info = (await new AdminClient(() => api.url, adminToken).strategies()).find((s) => s.name === throwaway.name);
    expect(info).toEqual({ name: throwaway.name, async: false, safe: true, decidesIn: 'postgres', needs: ['kafka'], keepsStockIn: 'postgres', locksIn: 'none', holds: false });
    // Scenarios that apply to every strategy, or to those using Kafka, include it; those for locks or a Redis counter do not.
    const applying = scenarios.filter((scenario) => info !== undefined && scenario.appliesTo(info)).map((scenario) => scenario.name);
    expect(applying).toEqual(expect.arrayContaining(['api-kill', 'redis-pause', 'kafka-pause', 'slow-kafka', 'overload']));
    expect(applying).not.toEqual(expect.arrayContaining(['lock-holder-pause']));
    expect(applying).not.toContain('redis-rollback');
  });

  it('the API refuses to start with a DEFAULT_STRATEGY it does not serve, naming the known ones', async () => {
    // Before: it started, and every purchase without X-Strategy got 400 unknown_strategy.
    const config = testConfig({ DEFAULT_STRATEGY: 'pg-atomc' });
    const server = Fastify(serverOptions(config));
    try {
      await expect(server.register(app, { config }).ready()).rejects.toThrow(/DEFAULT_STRATEGY "pg-atomc" is not a strategy; known: naive, pg-atomic/);
    } finally {
      await server.close();
    }
  });
});
