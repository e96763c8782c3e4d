import { StackError } from './errors.js';
import { aptInstall, isExecutable, isRoot, which } from './prerequisites.js';

/**
 * Headless Chromium renders the compare run's HTML report in a test (offline,
 * no console errors). Debian's `chromium` package puts it here; playwright-core
 * drives it, so no browser download from a CDN is needed.
 */
export const debianChromium = '/usr/bin/chromium';

/** CHROMIUM_PATH when set (it must then be executable), else Debian's binary if installed. */
export function findChromium(env: Record<string, string | undefined> = process.env): string | undefined {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isExecutable(fromEnv)) throw new StackError(`CHROMIUM_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  return isExecutable(debianChromium) ? debianChromium : undefined;
}

const installHint = 'install it with `sudo apt-get install chromium`, or set CHROMIUM_PATH';

/** Fails early (before any server starts) when Chromium is missing and cannot be installed here. */
export function checkChromiumPrerequisites(): void {
  if (findChromium() !== undefined) return;
  if (!isRoot()) throw new StackError(`chromium not found: ${installHint}`);
  if (which('apt-get') === undefined) throw new StackError(`chromium not found and no apt-get here: ${installHint}`);
}

/** The Chromium binary, installing Debian's package with apt the first time (as root). */
export async function ensureChromium(): Promise<string> {
  const found = findChromium();
  if (found !== undefined) return found;
  checkChromiumPrerequisites();
  const started = Date.now();
  await aptInstall(['chromium']);
  if (!isExecutable(debianChromium)) throw new StackError(`chromium installed but ${debianChromium} is missing`);
  process.stderr.write(`stack: installed chromium in ${Math.round((Date.now() - started) / 1000)}s\n`);
  return debianChromium;
}
