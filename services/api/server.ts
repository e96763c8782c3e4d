import Fastify from 'fastify';
import closeWithGrace from 'close-with-grace';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import app from './app.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { serverOptions } from './server-options.js';

// Long enough for in-flight purchases to finish their bounded waits (5 s at most).
const shutdownGraceMs = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const server = Fastify(serverOptions(config, { prettyLogs: process.stdout.isTTY })).withTypeProvider<TypeBoxTypeProvider>();
  await server.register(app, { config });

  closeWithGrace({ delay: shutdownGraceMs }, async ({ signal, err }) => {
    if (err !== undefined) server.log.error({ err }, 'closing after an error');
    else server.log.info({ signal }, 'closing');
    await server.close();
  });

  await server.listen({ host: config.HOST, port: config.PORT, backlog: config.LISTEN_BACKLOG });
}

main().catch((error: unknown) => {
  // A bad configuration is the user's to fix: say what, without a stack trace.
  if (error instanceof ConfigError) console.error(`api: ${error.message}`);
  else console.error('api: failed to start', error);
  process.exit(1);
});
