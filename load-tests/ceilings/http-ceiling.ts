// HTTP ceiling: starts the no-op server (same Node, same Fastify options and
// log level as the API) and runs load-tests/k6/http-ceiling.ts against it twice:
// closed loop at the capacity phases' VUs for the most requests per second,
// then the spike's open rate for the latency floor.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpCeiling, Percentiles } from '../compare/report-types.js';
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

export async function measureHttpCeiling(options: HttpCeilingOptions): Promise<Omit<HttpCeiling, 'range'>> {
  const logFile = join(options.dir, 'noop-server.log');
  const stem = `ceiling-http.r${options.round}`;
  // PORT 0: the kernel picks a free port; the server prints the address it got.
  const server = spawnTs('no-op server', 'load-tests/ceilings/noop-server.ts', { PORT: '0', LOG_LEVEL: options.logLevel }, logFile);
  try {
    let url = '';
    await waitFor(
      server,
      () => {
        const match = /"listening":"([^"]+)"/.exec(server.tail());
        url = match?.[1] ?? '';
        return url !== '' && answers200(`${url}/health/ready`);
      },
      30_000,
    );
    const common = { TARGET_URL: url };
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
