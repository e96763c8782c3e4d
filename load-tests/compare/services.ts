// The API and the worker for a compare run: reused when they already run
// (`npm start` in another terminal), started here otherwise, the way
// `npm start` does, and stopped again at the end.
import { join } from 'node:path';
import { pino } from 'pino';
import { type Config, kafkaBrokers } from '../../services/shared/config.js';
import { createKafka } from '../../services/shared/kafka.js';
import { workerIsConsuming } from '../../services/worker/consumers.js';
import { type Child, answers200, spawnTs, startApiProcesses, waitFor } from '../../harness/processes.js';

export interface RunningServices {
  apiUrl: string;
  /** What was reused and what was started, for the report and the terminal. */
  description: string;
  /**
   * Stops the worker (SIGSTOP) and returns what resumes it (SIGCONT); undefined
   * when the worker was reused, not started here: another's process is not ours to stop.
   */
  pauseWorker(): (() => void) | undefined;
  /** Replaces the API processes this run started with `count` of them on the same port (--processes). */
  restartApi(count: number): Promise<void>;
  stop(): Promise<void>;
}

/** `count` API processes on the port (harness/processes.ts), each logging to its own file here. */
function startApis(count: number, logsDir: string, logLevel: string): Promise<Child[]> {
  return startApiProcesses(count, { LOG_LEVEL: logLevel }, startTimeoutMs, (i) => join(logsDir, count === 1 ? 'api.log' : `api-${count}p-${i + 1}.log`));
}

function workerIsRunning(config: Config): Promise<boolean> {
  return workerIsConsuming(createKafka(kafkaBrokers(config), 'flash-sale-compare', pino({ level: 'silent' })));
}

// A worker's first join after another member died waits for that member's 6 s session to expire.
const startTimeoutMs = 60_000;

export async function bringUpServices(config: Config, logsDir: string, logLevel: string, apiProcesses?: number): Promise<RunningServices> {
  const apiUrl = `http://${config.HOST}:${config.PORT}`;
  let apis: Child[] = [];
  const started: Child[] = [];
  const parts: string[] = [];
  let worker: Child | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all([...apis, ...started].map((child) => child.stop()));
  };
  try {
    if (await answers200(`${apiUrl}/health/ready`)) {
      if (apiProcesses !== undefined) throw new Error(`an API already answers at ${apiUrl}; --processes starts its own API processes: stop it first`);
      parts.push(`API already running at ${apiUrl} (reused)`);
    } else {
      const count = apiProcesses ?? config.API_PROCESSES;
      apis = await startApis(count, logsDir, logLevel);
      await waitFor(apis[0] as Child, () => answers200(`${apiUrl}/health/ready`), startTimeoutMs);
      parts.push(`API started at ${apiUrl} as ${count} process${count === 1 ? '' : 'es'} (LOG_LEVEL=${logLevel}, log api*.log)`);
    }
    if (await workerIsRunning(config)) {
      parts.push('worker already running (reused)');
    } else {
      // info: the worker logs at start and on group changes only, and "worker started" tells it is ready.
      const spawned = spawnTs('worker', 'services/worker/main.ts', { LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0' }, join(logsDir, 'worker.log'), ['"worker started"']);
      started.push(spawned);
      await waitFor(spawned, () => spawned.saw('"worker started"'), startTimeoutMs);
      worker = spawned;
      parts.push('worker started (log worker.log)');
    }
  } catch (error: unknown) {
    await stop();
    throw error;
  }
  const pauseWorker = (): (() => void) | undefined => {
    const child = worker?.process;
    if (child === undefined || child.exitCode !== null || !child.kill('SIGSTOP')) return undefined;
    let resumed = false;
    return () => {
      if (!resumed) child.kill('SIGCONT');
      resumed = true;
    };
  };
  const restartApi = async (count: number): Promise<void> => {
    if (apis.length === 0) throw new Error('the API was reused, not started here: its processes are not ours to replace');
    await Promise.all(apis.map((api) => api.stop()));
    apis = await startApis(count, logsDir, logLevel);
    await waitFor(apis[0] as Child, () => answers200(`${apiUrl}/health/ready`), startTimeoutMs);
  };
  return { apiUrl, description: parts.join('; '), pauseWorker, restartApi, stop };
}
