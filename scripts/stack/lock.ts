import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StackError } from './errors.js';
import { isAlive, sleep } from './processes.js';
import { stackDir } from './state.js';

const lockDir = join(stackDir, 'lock');
const ownerFile = join(lockDir, 'pid');
/** A cold `up` installs packages, downloads Kafka and builds k6: others wait this long for it. */
const WAIT_MS = 40 * 60_000;
/** A lock dir without a pid file older than this was left by a crash between mkdir and write. */
const ORPHAN_MS = 10_000;

function holder(): number | undefined {
  try {
    const pid = Number(readFileSync(ownerFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isStale(): boolean {
  const pid = holder();
  if (pid !== undefined) return !isAlive(pid);
  try {
    return Date.now() - statSync(lockDir).mtimeMs > ORPHAN_MS;
  } catch {
    return true; // vanished meanwhile: just retry mkdir
  }
}

/**
 * Takes .stack/lock (mkdir is atomic), so two concurrent `up`s (e.g. two test
 * processes) do not both start servers. Returns the release function.
 */
export async function acquireLock(): Promise<() => void> {
  mkdirSync(stackDir, { recursive: true });
  const deadline = Date.now() + WAIT_MS;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(ownerFile, `${process.pid}\n`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = holder();
    if (isStale()) {
      // Re-check right before removing: another waiter may have just replaced the stale lock.
      if (holder() === seen) rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new StackError(`another stack command (pid ${holder() ?? '?'}) held ${lockDir} for ${WAIT_MS / 60_000} min`);
    if (!told) process.stderr.write(`stack: waiting for another stack command (pid ${holder() ?? '?'}) to finish\n`);
    told = true;
    await sleep(500); // 500 ms: cheap polling; the holder finishes in seconds to minutes
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (holder() === process.pid) rmSync(lockDir, { recursive: true, force: true });
  };
}
