import type { ChildProcess } from 'node:child_process';
import { adminToken } from '../../harness/api.js';
import { answers200, freePort, spawnTs, waitFor } from '../../harness/processes.js';

export { freePort };

export interface ChildService {
  url: string;
  process: ChildProcess;
  stop: () => Promise<void>;
}

// 30 s: tsx compiles on first start; a loaded 2-core CI machine is slow.
const startTimeoutMs = 30_000;

/** A second API process on the same stack, listening on its own port, as `npm start` would run it. */
export async function spawnApi(env: Record<string, string> = {}): Promise<ChildService> {
  const port = await freePort();
  const child = spawnTs('api', 'services/api/server.ts', { LOG_LEVEL: 'warn', ADMIN_TOKEN: adminToken, PORT: String(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(child, () => answers200(`${url}/health/live`), startTimeoutMs);
  return { url, process: child.process, stop: () => child.stop() };
}
