import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { isOurs, lastLogLine, runLogged, spawnDetached, stopProcess, waitFor, whenExited } from './processes.js';
import { requireTool } from './prerequisites.js';
import { logsDir, saveState, stackDir, type ServiceLine, type StackState } from './state.js';

/**
 * toxiproxy (Shopify): a TCP proxy whose faults (latency, timeout, reset_peer,
 * bandwidth) are toggled over an HTTP API. `npm run faults` puts one proxy
 * between its API and each store. A test tool like k6: built and started by
 * `stack:up`, not by `npm start` (--no-k6). v2.5.0 is pinned so every machine
 * builds the same server (and the same HTTP API).
 */
export const TOXIPROXY_VERSION = 'v2.5.0';
const toxiproxyModule = 'github.com/Shopify/toxiproxy/v2/cmd/server';
/** `go install` names the binary after the package's folder ("server"); we rename it to say what it is. */
const builtName = join(stackDir, 'bin', 'server');
export const toxiproxyBin = join(stackDir, 'bin', 'toxiproxy-server');
const logFile = join(logsDir, 'toxiproxy.log');

/** Its command line holds our binary and its port: that is how we recognise ours. */
const needles = (port: number): string[] => [toxiproxyBin, `-port ${port}`];

export const toxiproxyUrl = (state: StackState): string => `http://127.0.0.1:${state.ports.toxiproxy?.chosen ?? 0}`;

export function isToxiproxyRunning(state: StackState): boolean {
  const port = state.ports.toxiproxy?.chosen;
  return port !== undefined && isOurs(state.pids.toxiproxy, needles(port));
}

/** Fails early (before any server starts) when toxiproxy must be built and Go is missing. */
export function checkToxiproxyPrerequisites(): void {
  if (!existsSync(toxiproxyBin)) requireTool('go', 'install Go 1.25+ to build toxiproxy');
}

async function buildToxiproxy(): Promise<void> {
  const go = requireTool('go', 'install Go 1.25+ to build toxiproxy');
  const buildLog = join(logsDir, 'toxiproxy-build.log');
  const env = {
    ...process.env,
    GOBIN: join(stackDir, 'bin'),
    // Same flags as k6: no local paths in the binary, nothing to stamp, a static pure-Go binary.
    GOFLAGS: '-trimpath -buildvcs=false',
    CGO_ENABLED: '0',
  };
  const started = Date.now();
  process.stderr.write(`stack: building toxiproxy ${TOXIPROXY_VERSION} with go install (first time only; ~1 min on 2 cores; log ${buildLog})\n`);
  // 10 min: a cold build takes about a minute; this only stops a hung one.
  const code = await runLogged(go, ['install', `${toxiproxyModule}@${TOXIPROXY_VERSION}`], { logFile: buildLog, env, cwd: stackDir, timeoutMs: 10 * 60_000 });
  if (code !== 0 || !existsSync(builtName)) throw new StackError(`building toxiproxy failed: ${lastLogLine(buildLog)} (log ${buildLog})`);
  renameSync(builtName, toxiproxyBin);
  process.stderr.write(`stack: built toxiproxy in ${Math.round((Date.now() - started) / 1000)}s\n`);
}

/** Resolves when toxiproxy's HTTP API answers GET /version (one attempt). */
async function pingToxiproxy(url: string): Promise<void> {
  // 2 s: a local server answers in a millisecond; this bounds a hung one.
  const response = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`GET /version answered ${response.status}`);
}

/** Builds toxiproxy when missing, starts it on 127.0.0.1 (no proxies: the fault runner creates them). */
export async function ensureToxiproxy(state: StackState): Promise<ServiceLine> {
  const url = toxiproxyUrl(state);
  const port = state.ports.toxiproxy?.chosen;
  if (port === undefined) throw new StackError('internal: no port chosen for toxiproxy');
  // 15 s: a Go binary starts in milliseconds; this bounds a stuck start.
  const readyTimeoutMs = 15_000;
  if (isToxiproxyRunning(state)) {
    await waitFor('toxiproxy', readyTimeoutMs, () => pingToxiproxy(url));
    return { name: 'toxiproxy', address: url, how: 'already running' };
  }
  const built = existsSync(toxiproxyBin);
  if (!built) await buildToxiproxy();
  const pid = spawnDetached(toxiproxyBin, ['-host', '127.0.0.1', '-port', String(port)], { logFile, cwd: stackDir });
  state.pids.toxiproxy = pid;
  saveState(state); // at once: a Ctrl-C during the wait must not orphan the process
  await waitFor('toxiproxy', readyTimeoutMs, () => pingToxiproxy(url), whenExited(pid, () => `exited: ${lastLogLine(logFile)}`));
  return { name: 'toxiproxy', address: url, how: built ? 'started' : 'built' };
}

/** SIGTERM (it holds no data), SIGKILL after 5 s. */
export async function stopToxiproxy(state: StackState): Promise<boolean> {
  const port = state.ports.toxiproxy?.chosen;
  const pid = state.pids.toxiproxy;
  delete state.pids.toxiproxy;
  if (port === undefined) return false;
  // 5 s: it closes its listeners at once.
  return stopProcess(pid, needles(port), 5_000);
}
