import { type ChildProcess, spawn } from 'node:child_process';
import { tsNodeCommand } from '../harness/processes.js';
import { platformHasReusePort } from '../services/api/reuse-port.js';
import { ConfigError, loadConfig } from '../services/shared/config.js';
import { repoRoot } from '../services/shared/env-files.js';

/**
 * `npm start`: API_PROCESSES API processes on PORT and WORKER_PROCESSES
 * workers, each its own process (one can be killed and restarted on its own,
 * as it would be deployed). A process that exits while the rest run is
 * started again, so stopping or killing one leaves the others serving; one
 * that exits 3 times within a minute is a crash loop and stops everything.
 * SIGINT/SIGTERM are passed on to all of them.
 */
interface Entry {
  name: string;
  entry: string;
  env: Record<string, string>;
  child?: ChildProcess;
  exits: number[];
}

// Each child has its own 10 s grace; past 15 s a child that ignored SIGTERM is killed.
const forceKillAfterMs = 15_000;
const crashLoop = { exits: 3, withinMs: 60_000 };

function entries(): Entry[] {
  const config = loadConfig();
  const apis: Entry[] = platformHasReusePort()
    ? Array.from({ length: config.API_PROCESSES }, (_, i) => ({ name: config.API_PROCESSES > 1 ? `api-${i + 1}` : 'api', entry: 'services/api/server.ts', env: {}, exits: [] }))
    : [{ name: 'api', entry: 'services/api/cluster.ts', env: {}, exits: [] }];
  const workers = Array.from({ length: config.WORKER_PROCESSES }, (_, i): Entry => ({
    name: config.WORKER_PROCESSES > 1 ? `worker-${i + 1}` : 'worker',
    entry: 'services/worker/main.ts',
    // Each worker's /metrics on its own port (0 stays 0: a free one each).
    env: config.WORKER_METRICS_PORT === 0 ? {} : { WORKER_METRICS_PORT: String(config.WORKER_METRICS_PORT + i) },
    exits: [],
  }));
  return [...apis, ...workers];
}

let stopping = false;
let exitCode = 0;

function running(child: ChildProcess | undefined): child is ChildProcess {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

function stopAll(all: Entry[], signal: NodeJS.Signals): void {
  stopping = true;
  for (const { child } of all) if (running(child)) child.kill(signal);
  setTimeout(() => {
    for (const { child } of all) if (running(child)) child.kill('SIGKILL');
  }, forceKillAfterMs).unref();
}

function launch(all: Entry[], e: Entry): void {
  // `node --import tsx` (this same Node) needs nothing on PATH. Detached: each child
  // gets its own process group, so a Ctrl-C reaches it once, forwarded from here,
  // and not a second time from the terminal (close-with-grace exits at once on a second signal).
  const child = spawn(...tsNodeCommand(e.entry), { cwd: repoRoot, stdio: 'inherit', detached: true, env: { ...process.env, ...e.env } });
  e.child = child;
  child.on('error', (error) => {
    console.error(`start: could not run ${e.name}:`, error.message);
    exitCode = 1;
    stopAll(all, 'SIGTERM');
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      const now = Date.now();
      e.exits = [...e.exits.filter((at) => now - at < crashLoop.withinMs), now];
      if (e.exits.length >= crashLoop.exits) {
        console.error(`start: ${e.name} exited ${e.exits.length} times within ${crashLoop.withinMs / 1000} s; stopping the rest`);
        exitCode = 1;
        stopAll(all, 'SIGTERM');
      } else {
        console.error(`start: ${e.name} exited (${signal ?? `code ${code}`}); starting it again, the others serve meanwhile`);
        launch(all, e);
        return;
      }
    }
    if (all.every(({ child: c }) => !running(c))) process.exit(exitCode);
  });
}

function main(): void {
  let all: Entry[];
  try {
    all = entries();
  } catch (error: unknown) {
    // A bad configuration is the user's to fix: say what, once, before anything starts.
    console.error(error instanceof ConfigError ? `start: ${error.message}` : error);
    process.exit(1);
  }
  for (const e of all) launch(all, e);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stopAll(all, signal));
}

main();
