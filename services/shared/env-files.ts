import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

/** The repository root, found from this file so scripts work from any cwd. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where `npm run stack:up` writes the addresses of the servers it manages. */
export const stackEnvFile = join(repoRoot, '.stack', 'stack.env');

function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const parsed = parseEnv(readFileSync(path, 'utf8'));
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * The environment the project runs with, in order of precedence:
 * the process environment, then the git-ignored `.env`, then (unless
 * `includeStack` is false) the addresses the local stack wrote.
 * The stack itself reads without its own file, so that a user's
 * DATABASE_URL in `.env` means "use this server, start none".
 */
export function loadEnv(options: { includeStack?: boolean } = {}): Record<string, string | undefined> {
  const stack = options.includeStack === false ? {} : readEnvFile(stackEnvFile);
  const dotenv = readEnvFile(join(repoRoot, '.env'));
  return { ...stack, ...dotenv, ...process.env };
}
