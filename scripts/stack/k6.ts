import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { lastLogLine, runLogged } from './processes.js';
import { requireTool, which } from './prerequisites.js';
import { logsDir, stackDir, type ServiceLine } from './state.js';

/** Current k6 release (`go list -m -versions go.k6.io/k6`); pinned so every machine builds the same. */
export const K6_VERSION = 'v1.8.1';
export const k6Bin = join(stackDir, 'bin', 'k6');

/** k6 already on this machine: K6_BIN, then PATH, then our own build. */
export function findK6(env: Record<string, string | undefined>): { path: string; how: 'external' | 'already built' } | undefined {
  const fromEnv = env.K6_BIN;
  if (fromEnv !== undefined && fromEnv !== '') {
    try {
      accessSync(fromEnv, constants.X_OK);
    } catch {
      throw new StackError(`K6_BIN=${fromEnv} is not an executable file`);
    }
    return { path: fromEnv, how: 'external' };
  }
  const onPath = which('k6');
  if (onPath !== undefined) return { path: onPath, how: 'external' };
  if (existsSync(k6Bin)) return { path: k6Bin, how: 'already built' };
  return undefined;
}

/** Fails early (before any server starts) when k6 must be built and Go is missing. */
export function checkK6Prerequisites(env: Record<string, string | undefined>): void {
  if (findK6(env) === undefined) requireTool('go', 'install Go 1.25+ to build k6, or put k6 on PATH');
}

/** Ensures a k6 binary exists, building it with `go install` into .stack/bin the first time. */
export async function ensureK6(env: Record<string, string | undefined>): Promise<ServiceLine> {
  const found = findK6(env);
  if (found !== undefined) return { name: 'k6', address: found.path, how: found.how };
  const go = requireTool('go', 'install Go 1.25+ to build k6, or put k6 on PATH');
  const logFile = join(logsDir, 'k6-build.log');
  const buildEnv = {
    ...process.env,
    GOBIN: join(stackDir, 'bin'),
    // -trimpath: no local paths in the binary; -buildvcs=false: nothing to stamp from a module download.
    GOFLAGS: '-trimpath -buildvcs=false',
    // A static pure-Go binary: no C compiler needed.
    CGO_ENABLED: '0',
  };
  const started = Date.now();
  process.stderr.write(`stack: building k6 ${K6_VERSION} with go install (first time only; a few minutes on 2 cores; log ${logFile})\n`);
  // A heartbeat every 30 s so a long build does not look hung.
  const heartbeat = setInterval(() => {
    process.stderr.write(`stack: still building k6 (${Math.round((Date.now() - started) / 1000)}s)\n`);
  }, 30_000);
  let code: number;
  try {
    code = await runLogged(go, ['install', `go.k6.io/k6@${K6_VERSION}`], {
      logFile,
      env: buildEnv,
      cwd: stackDir,
      // 30 min: a cold build is ~5-10 min on 2 cores; this only stops a hung one.
      timeoutMs: 30 * 60_000,
    });
  } finally {
    clearInterval(heartbeat);
  }
  if (code !== 0 || !existsSync(k6Bin)) throw new StackError(`building k6 failed: ${lastLogLine(logFile)} (log ${logFile})`);
  process.stderr.write(`stack: built k6 in ${Math.round((Date.now() - started) / 1000)}s\n`);
  return { name: 'k6', address: k6Bin, how: 'built' };
}
