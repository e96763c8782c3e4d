// HTTP ceiling: starts the no-op server (same Node, same Fastify options and
// log level as the API) and runs load-tests/k6/http-ceiling.ts against it twice:
// closed loop at the capacity phases' VUs for the most requests per second,
// then the spike's open rate for the latency floor. Also the short nearby
// ceiling, and the order-row ceiling (the closed loop on the route that first
// writes one order row).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpCeiling, OrderRowCeiling, Percentiles } from '../compare/report-types.js';
import { runK6 } from '../compare/k6.js';
import { answers200, spawnTs, waitFor } from '../../harness/processes.js';

export interface HttpCeilingOptions {
  k6Bin: string;
  dir: string;
  /** The --repeat round, in file names. */
  round: number;
  logLevel: string;
  /** The spike's arrival settings, for the open-rate run. */
  stock: number;
  rate: number;
  demandFactor: number;
  durationMs: number;
  /** Closed-loop run: VUs and length. */
  vus: number;
  maxDurationMs: number;
}

interface K6CeilingDigest {
  throughput: number;
  durationMs: number;
  latencyMs: Percentiles;
  droppedIterations: number;
}

function readDigest(path: string): K6CeilingDigest {
  return JSON.parse(readFileSync(path, 'utf8')) as K6CeilingDigest;
}

export interface NoopServer {
  url: string;
  stop(): Promise<void>;
}

// The no-op servers running, for stopNoopServers (the order-row one holds a PostgreSQL pool).
const running = new Set<{ stop(): Promise<void> }>();

/** Stops every no-op server still running (compare's SIGINT/SIGTERM handler). */
export async function stopNoopServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

/** The no-op server on a free port, ready to answer (its log in `dir`); with `orderRows`, its order-row route too (noop-server.ts). */
export async function startNoopServer(dir: string, logLevel: string, orderRows = false): Promise<NoopServer> {
  // PORT 0: the kernel picks a free port; the server prints the address it got.
  const env = { PORT: '0', LOG_LEVEL: logLevel, ...(orderRows ? { ORDER_ROWS: '1' } : {}) };
  const server = spawnTs('no-op server', 'load-tests/ceilings/noop-server.ts', env, join(dir, orderRows ? 'noop-server.order-rows.log' : 'noop-server.log'));
  running.add(server);
  const stop = async (): Promise<void> => {
    running.delete(server);
    await server.stop();
  };
  let url = '';
  await waitFor(
    server,
    () => {
      const match = /"listening":"([^"]+)"/.exec(server.tail());
      url = match?.[1] ?? '';
      return url !== '' && answers200(`${url}/health/ready`);
    },
    30_000,
  ).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url, stop };
}

/**
 * The closed-loop HTTP ceiling alone, short, against a running no-op server:
 * measured next to a strategy's capacity phases so their ratio is taken
 * against what the machine did at that moment, not at the run's end.
 */
export async function nearbyHttpCeiling(options: ClosedLoopOptions): Promise<number> {
  return (await closedLoop(options)).throughput;
}

interface ClosedLoopOptions {
  k6Bin: string;
  dir: string;
  url: string;
  vus: number;
  durationMs: number;
  stem: string;
  label: string;
  /** k6/http-ceiling.ts's ROUTE: the no-op answer (default) or one order row first. */
  route?: 'noop' | 'order-row';
}

/** k6/http-ceiling.ts as fast as it goes against a running no-op server, files named after `stem`. */
async function closedLoop(options: ClosedLoopOptions): Promise<K6CeilingDigest> {
  const route = options.route ?? 'noop';
  const path = join(options.dir, `${options.stem}.json`);
  const code = await runK6(options.k6Bin, {
    label: options.label,
    script: 'load-tests/k6/http-ceiling.ts',
    env: { TARGET_URL: options.url, MODE: 'max', ROUTE: route, VUS: String(options.vus), DURATION: `${options.durationMs}ms` },
    summaryPath: path,
    logFile: join(options.dir, `${options.stem}.k6.log`),
    timeoutMs: options.durationMs + 60_000,
  });
  if (code !== 0) throw new Error(`k6 against the ${route} route failed (exit ${code}); see ${options.stem}.k6.log`);
  return readDigest(path);
}

export async function measureHttpCeiling(options: HttpCeilingOptions): Promise<Omit<HttpCeiling, 'range'>> {
  const stem = `ceiling-http.r${options.round}`;
  const server = await startNoopServer(options.dir, options.logLevel);
  try {
    const common = { TARGET_URL: server.url };
    const maxPath = join(options.dir, `${stem}.max.json`);
    const maxCode = await runK6(options.k6Bin, {
      label: `[r${options.round}] ceiling http (closed loop, ${options.vus} VUs)`,
      script: 'load-tests/k6/http-ceiling.ts',
      env: { ...common, MODE: 'max', VUS: String(options.vus), DURATION: `${options.maxDurationMs}ms` },
      summaryPath: maxPath,
      logFile: join(options.dir, `${stem}.k6.log`),
      timeoutMs: options.maxDurationMs + 60_000,
    });
    const ratePath = join(options.dir, `${stem}.rate.json`);
    const dashboard = `${stem}.dashboard.html`;
    const rateCode = await runK6(options.k6Bin, {
      label: `[r${options.round}] ceiling http (${options.rate}/s)`,
      script: 'load-tests/k6/http-ceiling.ts',
      env: {
        ...common,
        MODE: 'rate',
        STOCK: String(options.stock),
        RATE: String(options.rate),
        DEMAND_FACTOR: String(options.demandFactor),
        DURATION: `${options.durationMs}ms`,
      },
      summaryPath: ratePath,
      dashboardPath: join(options.dir, dashboard),
      logFile: join(options.dir, `${stem}.k6.log`),
      timeoutMs: options.durationMs + 60_000,
    });
    if (maxCode !== 0 || rateCode !== 0) {
      throw new Error(`k6 against the no-op route failed (exit ${maxCode}, ${rateCode}); see ${stem}.k6.log`);
    }
    const max = readDigest(maxPath);
    const atRate = readDigest(ratePath);
    return {
      throughput: max.throughput,
      latencyMs: max.latencyMs,
      vus: options.vus,
      durationMs: max.durationMs,
      atRate: { rate: options.rate, throughput: atRate.throughput, latencyMs: atRate.latencyMs, droppedIterations: atRate.droppedIterations },
      dashboard,
    };
  } finally {
    await server.stop();
  }
}

/**
 * The order-row ceiling: the same closed loop on a no-op server of its own,
 * each request first writing one order row (X-Strategy order-row, see
 * order-rows.ts). Measured last in a round, after pgbench: its ~5,000 rows a
 * second must not load a ceiling or a strategy measured after it.
 */
export async function measureOrderRowCeiling(options: { k6Bin: string; dir: string; round: number; logLevel: string; vus: number; durationMs: number }): Promise<Omit<OrderRowCeiling, 'range'>> {
  const server = await startNoopServer(options.dir, options.logLevel, true);
  try {
    const digest = await closedLoop({
      ...options,
      url: server.url,
      route: 'order-row',
      stem: `ceiling-order-row.r${options.round}`,
      label: `[r${options.round}] ceiling order row (closed loop, ${options.vus} VUs)`,
    });
    return { throughput: digest.throughput, latencyMs: digest.latencyMs, vus: options.vus, durationMs: digest.durationMs };
  } finally {
    await server.stop();
  }
}
