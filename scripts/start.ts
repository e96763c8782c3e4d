import { type ChildProcess, spawn } from 'node:child_process';
import { repoRoot } from '../services/shared/env-files.js';

/**
 * `npm start`: the API and the worker side by side, as two processes (the
 * worker can be killed and restarted on its own, as it would be deployed).
 * SIGINT/SIGTERM are passed on to both; when either exits, the other is
 * stopped and this script exits with the first one's code.
 */
function run(entry: string): ChildProcess {
  // `node --import tsx` (this same Node) needs nothing on PATH. Detached: each child
  // gets its own process group, so a Ctrl-C reaches it once, forwarded from here,
  // and not a second time from the terminal (close-with-grace exits at once on a second signal).
  return spawn(process.execPath, ['--import', 'tsx', entry], { cwd: repoRoot, stdio: 'inherit', detached: true });
}

const children: Array<{ name: string; child: ChildProcess }> = [
  { name: 'api', child: run('services/api/server.ts') },
  { name: 'worker', child: run('services/worker/main.ts') },
];

// Each child has its own 10 s grace; past 15 s a child that ignored SIGTERM is killed.
const forceKillAfterMs = 15_000;

let exitCode: number | undefined;

function stopAll(signal: NodeJS.Signals): void {
  for (const { child } of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
  setTimeout(() => {
    for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, forceKillAfterMs).unref();
}

for (const { name, child } of children) {
  child.on('error', (error) => {
    console.error(`start: could not run ${name}:`, error.message);
    exitCode ??= 1;
    stopAll('SIGTERM');
  });
  child.on('exit', (code, signal) => {
    if (exitCode === undefined) {
      // The first to go decides the exit code; the other one follows.
      exitCode = code ?? (signal === 'SIGINT' || signal === 'SIGTERM' ? 0 : 1);
      if (code !== 0) console.error(`start: ${name} exited (${signal ?? `code ${code}`}); stopping the rest`);
      stopAll('SIGTERM');
    }
    if (children.every(({ child: c }) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    exitCode ??= 0;
    stopAll(signal);
  });
}
