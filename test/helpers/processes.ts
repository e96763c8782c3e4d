import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../services/shared/env-files.js';
import { adminToken } from './api.js';

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface ChildService {
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

/** Runs a TypeScript entry point as a real process, as `npm start` would. */
export function spawnTs(entry: string, env: Record<string, string>): ChildProcess {
  const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [entry], {
    cwd: repoRoot,
    env: { ...process.env, LOG_LEVEL: 'warn', ADMIN_TOKEN: adminToken, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  // 15 s: longer than the API's shutdown grace (10 s), so a clean stop is seen as one.
  await Promise.race([exited, sleep(15_000).then(() => child.kill('SIGKILL'))]);
}

/** A second API process on the same stack, listening on its own port. */
export async function spawnApi(env: Record<string, string> = {}): Promise<ChildService> {
  const port = await freePort();
  const child = spawnTs('services/api/server.ts', { PORT: String(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  // 30 s: tsx compiles on first start; a loaded 2-core CI machine is slow.
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`API process exited with ${child.exitCode}`);
    const live = await fetch(`${url}/health/live`).then((r) => r.ok, () => false);
    if (live) break;
    if (Date.now() > deadline) {
      await stopChild(child, 'SIGKILL');
      throw new Error('API process did not become live within 30 s');
    }
    await sleep(200);
  }
  return { url, process: child, stop: () => stopChild(child) };
}
