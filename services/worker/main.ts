import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../shared/config.js';
import { startWorker } from './worker.js';

// Long enough for the message in hand to finish (a few statements of at most
// 5 s each are the worst case) and the consumers to leave their groups.
const shutdownGraceMs = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = pino({
    level: config.LOG_LEVEL,
    name: 'worker',
    // Pretty logs only for a person at a terminal; JSON lines everywhere else.
    ...(process.stdout.isTTY ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } } : {}),
  });
  const worker = await startWorker(config, log);
  closeWithGrace({ delay: shutdownGraceMs }, async ({ signal, err }) => {
    if (err !== undefined) log.error({ err }, 'closing after an error');
    else log.info({ signal }, 'closing');
    await worker.stop();
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`worker: ${error.message}`);
  else console.error('worker: failed to start', error);
  process.exit(1);
});
