// N API processes on one port where the platform has no SO_REUSEPORT
// balancing (reuse-port.ts): a node:cluster primary forks API_PROCESSES
// workers running server.ts, and the primary hands them connections. `npm
// start` runs this only there; on Linux it starts N server.ts directly.
import cluster from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../shared/config.js';

// Run through tsx, like every entry here: this file's URL is its .ts source.
const serverEntry = fileURLToPath(new URL('./server.ts', import.meta.url));

function main(): void {
  const config = loadConfig();
  let stopping = false;
  cluster.setupPrimary({ exec: serverEntry, execArgv: ['--import', 'tsx'] });
  for (let i = 0; i < config.API_PROCESSES; i++) cluster.fork();
  // One process that dies is replaced; the others serve meanwhile.
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    console.error(`api cluster: process ${worker.process.pid ?? '?'} exited (${signal ?? `code ${code}`}); starting another`);
    cluster.fork();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(sig);
    });
  }
}

try {
  main();
} catch (error: unknown) {
  console.error(error instanceof ConfigError ? `api: ${error.message}` : error);
  process.exit(1);
}
