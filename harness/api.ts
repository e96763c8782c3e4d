// The in-process harness: the real API (and worker, harness/worker.ts)
// started in this process on the local stack; harness/client.ts drives it.
// Tests (test/helpers re-export it) and the benchmarks in load-tests/
// (write-cost, optimistic-budget) both use it, so it sits at the top level beside them
// rather than under either: a load test importing test/ (or a test importing
// load-tests/) would tie one tree to the other's helpers. Nothing here is
// specific to a test runner.
import Fastify, { type FastifyInstance } from 'fastify';
import app from '../services/api/app.js';
import { type Config, parseConfig } from '../services/shared/config.js';
import { serverOptions } from '../services/api/server-options.js';
import { loadEnv } from '../services/shared/env-files.js';
import type { StrategyDefinition } from '../services/strategies/registry.js';
import { adminToken } from './client.js';

/** The config of an API or worker started here: the stack's env files, this admin token, quiet logs (TEST_LOG_LEVEL), free ports. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return parseConfig({ ...loadEnv(), ADMIN_TOKEN: adminToken, LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent', PORT: '0', WORKER_METRICS_PORT: '0', ...overrides });
}

export interface RunningApi {
  app: FastifyInstance;
  url: string;
  close: () => Promise<void>;
}

/** The real API on a real port, on the real stack: what a client outside sees. */
export async function startApi(overrides: Record<string, string> = {}, strategies?: readonly StrategyDefinition[]): Promise<RunningApi> {
  const config = testConfig(overrides);
  const server = Fastify(serverOptions(config));
  await server.register(app, { config, strategies });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { app: server, url, close: () => server.close() };
}

export * from './client.js';
