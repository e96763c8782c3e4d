// `npm run contract`: the API checked against its own OpenAPI document by an
// outside tool. Schemathesis generates requests from /docs/json (valid and
// invalid ones) and checks every answer against the document: status codes,
// content types, schemas, and that invalid input is refused. Installed from
// PyPI into .stack/venv (git-ignored) by this script, pinned.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import app from '../services/api/app.js';
import { serverOptions } from '../services/api/server-options.js';
import { type Config, loadConfig } from '../services/shared/config.js';
import { freePort, startApiProcesses } from '../harness/processes.js';
import { repoRoot } from '../services/shared/env-files.js';

const schemathesisVersion = '4.32.5';
const venv = join(repoRoot, '.stack', 'venv');
const st = join(venv, 'bin', 'st');
// Generated cases per operation: ~20 operations × this stays within a few minutes on 2 cores.
const maxExamples = Number(process.env.CONTRACT_MAX_EXAMPLES ?? '25');

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${String(result.status ?? result.signal)}`);
}

function ensureSchemathesis(): void {
  const installed = existsSync(st) ? spawnSync(st, ['--version'], { encoding: 'utf8' }).stdout : '';
  if (installed.includes(schemathesisVersion)) return;
  console.log(`contract: installing schemathesis ${schemathesisVersion} from PyPI into ${venv}`);
  if (!existsSync(join(venv, 'bin', 'pip'))) run('python3', ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `schemathesis==${schemathesisVersion}`]);
}

async function main(): Promise<number> {
  ensureSchemathesis();
  process.env.LOG_LEVEL ??= 'warn';
  const config = loadConfig();
  const api = await startApi(config);
  const url = api.url;
  try {
    const args = ['--config-file', join(repoRoot, 'scripts', 'schemathesis.toml'), 'run', `${url}/docs/json`, '--checks', 'all', '--max-examples', String(maxExamples), '--header', `Authorization: Bearer ${config.ADMIN_TOKEN}`, '--no-color'];
    console.log(`contract: st ${args.map((arg) => (arg.startsWith('Authorization') ? "'Authorization: Bearer …'" : arg)).join(' ')}`);
    const child = spawn(st, args, { stdio: 'inherit', env: { ...process.env, SCHEMATHESIS_TELEMETRY: 'false' } });
    return await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    await api.stop();
  }
}

/**
 * The API under test. API_PROCESSES=1: in this process, on a free port, quiet
 * (schemathesis' own output is the report). More: that many real processes
 * on one free port, as `npm start` runs them, their logs in .stack/contract-api-<i>.log.
 */
async function startApi(config: Config): Promise<{ url: string; stop: () => Promise<void> }> {
  if (config.API_PROCESSES === 1) {
    const server = Fastify(serverOptions(config));
    await server.register(app, { config });
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    return { url, stop: () => server.close() };
  }
  const port = await freePort();
  console.log(`contract: ${config.API_PROCESSES} API processes on port ${port} (SO_REUSEPORT)`);
  const apis = await startApiProcesses(config.API_PROCESSES, { PORT: String(port), HOST: '127.0.0.1' }, 60_000, (i) => join(repoRoot, '.stack', `contract-api-${i + 1}.log`));
  return { url: `http://127.0.0.1:${port}`, stop: async () => void (await Promise.all(apis.map((child) => child.stop()))) };
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error('contract:', error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
