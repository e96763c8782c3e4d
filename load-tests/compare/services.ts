// The API and the worker for a compare run: reused when they already run
// (`npm start` in another terminal), started here otherwise, the way
// `npm start` does, and stopped again at the end.
import { join } from 'node:path';
import { pino } from 'pino';
import { type Config, kafkaBrokers } from '../../services/shared/config.js';
import { createKafka } from '../../services/shared/kafka.js';
import { workerIsConsuming } from '../../services/worker/consumers.js';
import { type Child, answers200, spawnTs, waitFor } from '../../harness/processes.js';

export interface RunningServices {
  apiUrl: string;
  /** What was reused and what was started, for the report and the terminal. */
  description: string;
  /**
   * Stops the worker (SIGSTOP) and returns what resumes it (SIGCONT); undefined
   * when the worker was reused, not started here: another's process is not ours to stop.
   */
  pauseWorker(): (() => void) | undefined;
  stop(): Promise<void>;
}

function workerIsRunning(config: Config): Promise<boolean> {
  return workerIsConsuming(createKafka(kafkaBrokers(config), 'flash-sale-compare', pino({ level: 'silent' })));
}

// A worker's first join after another member died waits for that member's 6 s session to expire.
const startTimeoutMs = 60_000;

export async function bringUpServices(config: Config, logsDir: string, logLevel: string): Promise<RunningServices> {
  const apiUrl = `http://${config.HOST}:${config.PORT}`;
  const started: Child[] = [];
  const parts: string[] = [];
  let worker: Child | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(started.map((child) => child.stop()));
  };
  try {
    if (await answers200(`${apiUrl}/health/ready`)) {
      parts.push(`API already running at ${apiUrl} (reused)`);
    } else {
      const api = spawnTs('api', 'services/api/server.ts', { LOG_LEVEL: logLevel }, join(logsDir, 'api.log'));
      started.push(api);
      await waitFor(api, () => answers200(`${apiUrl}/health/ready`), startTimeoutMs);
      parts.push(`API started at ${apiUrl} (LOG_LEVEL=${logLevel}, log api.log)`);
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
  return { apiUrl, description: parts.join('; '), pauseWorker, stop };
}
