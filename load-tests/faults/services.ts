// The processes of one scenario: its API(s) on free ports, its worker when a
// strategy needs one, and, for a slow-network scenario, the toxiproxy proxy
// they reach the store through (created here, deleted at stop).
import { pino } from 'pino';
import { loadEnv } from '../../services/shared/env-files.js';
import { createKafka } from '../../services/shared/kafka.js';
import { workerIsConsuming } from '../../services/worker/consumers.js';
import { isPortFree } from '../../scripts/stack/ports.js';
import type { Cleanups } from './cleanup.js';
import type { Services } from './context.js';
import { ServiceProcess, apiSpec } from './processes.js';
import { type Scenario, type Store, proxyName } from './scenarios.js';
import type { StackControl } from './stack-control.js';
import type { Toxiproxy } from './toxiproxy.js';

export interface ScenarioServices extends Services {
  stop(): Promise<void>;
}

// The fault runs' APIs start here, away from the 3000 of `npm start` and the compare run;
// 3300 for the admin API, the scenarios' from 3310.
export const adminApiPort = 3300;
const firstApiPort = 3310;

/** `count` free ports on 127.0.0.1 from `from` upward (within 200). */
export async function freePorts(count: number, from = firstApiPort): Promise<number[]> {
  const ports: number[] = [];
  for (let port = from; ports.length < count && port < from + 200; port++) {
    if (await isPortFree(port)) ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free ports from ${from}`);
  return ports;
}

/** Whether the worker consumes (its own log is at warn). */
function workerConsumes(brokers: string[]): Promise<boolean> {
  return workerIsConsuming(createKafka(brokers, 'flash-sale-faults', pino({ level: 'silent' })));
}

/** Creates the store's proxy; returns the env that points the API and worker at it. */
async function proxyEnv(store: Store, stack: StackControl, toxiproxy: Toxiproxy, base: Record<string, string | undefined>): Promise<Record<string, string>> {
  const name = proxyName(store);
  if (store === 'postgres') {
    const listen = await toxiproxy.createProxy(name, '127.0.0.1:0', `127.0.0.1:${stack.port('postgres')}`);
    const url = new URL(base.DATABASE_URL ?? '');
    url.port = listen.split(':').at(-1) ?? '';
    return { DATABASE_URL: url.toString() };
  }
  if (store === 'redis') {
    const listen = await toxiproxy.createProxy(name, '127.0.0.1:0', `127.0.0.1:${stack.port('redis-1')}`);
    return { REDIS_URLS: [`redis://${listen}`, stack.redisUrl('redis-2'), stack.redisUrl('redis-3')].join(',') };
  }
  const faults = stack.kafkaFaults();
  if (faults === undefined) throw new Error('the stack has no Kafka FAULTS listener: run npm run stack:down && npm run stack:up');
  await toxiproxy.createProxy(name, faults.proxied, faults.upstream);
  return { KAFKA_BROKERS: faults.proxied };
}

export async function startServices(options: {
  scenario: Scenario;
  needWorker: boolean;
  logsDir: string;
  stack: StackControl;
  toxiproxy: Toxiproxy;
  cleanups: Cleanups;
  /** Distinguishes the log files of services started per run. */
  tag: string;
}): Promise<ScenarioServices> {
  const { scenario, stack, toxiproxy, cleanups } = options;
  const base = loadEnv();
  const started: ServiceProcess[] = [];
  const removeProxy =
    scenario.proxied === undefined ? undefined : cleanups.add(`delete proxy ${proxyName(scenario.proxied)}`, () => toxiproxy.deleteProxy(proxyName(scenario.proxied ?? 'postgres')));
  // Registered before anything starts: a SIGINT during a start must still stop what was spawned.
  const stop = cleanups.add(`stop the ${scenario.name} services`, async () => {
    await Promise.all(started.map((service) => service.stop()));
    await removeProxy?.();
  });
  try {
    const proxied = scenario.proxied === undefined ? {} : await proxyEnv(scenario.proxied, stack, toxiproxy, base);
    const apiEnvs = scenario.apis ?? [{}];
    const ports = await freePorts(apiEnvs.length);
    const urls = new Map<ServiceProcess, string>();
    const apis = apiEnvs.map((env, index) => {
      const port = ports[index] ?? 0;
      const api = new ServiceProcess(apiSpec(`api-${index + 1}-${scenario.name}${options.tag}`, port, { ...proxied, ...scenario.env, ...env }, options.logsDir));
      urls.set(api, `http://127.0.0.1:${port}`);
      return api;
    });
    for (const api of apis) {
      started.push(api);
      await api.start();
    }
    const workers: ServiceProcess[] = [];
    const count = options.needWorker ? (scenario.workers ?? 1) : 0;
    // The worker's own brokers, not the proxy: readiness must not depend on the fault.
    const brokers = (base.KAFKA_BROKERS ?? '').split(',').filter((b) => b !== '');
    for (let i = 1; i <= count; i++) {
      const suffix = count === 1 ? '' : `-${i}`;
      const worker = new ServiceProcess({
        name: `worker${suffix}-${scenario.name}${options.tag}`,
        entry: 'services/worker/main.ts',
        // A free port for its /metrics: never in the way of a worker the user runs.
        env: { LOG_LEVEL: 'warn', WORKER_METRICS_PORT: '0', WORKER_PROCESSES: String(count), ...proxied, ...scenario.env },
        logFile: `${options.logsDir}/worker${suffix}-${scenario.name}${options.tag}.log`,
        ready: () => workerConsumes(brokers),
      });
      started.push(worker);
      await worker.start();
      workers.push(worker);
    }
    return { apis, worker: workers[0], workers, urlOf: (api) => urls.get(api) ?? '', stop };
  } catch (error: unknown) {
    await stop();
    throw error;
  }
}
