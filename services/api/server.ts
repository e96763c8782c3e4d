import cluster from 'node:cluster';
import Fastify from 'fastify';
import closeWithGrace from 'close-with-grace';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import app from './app.js';
import { ConfigError, loadConfig } from '../shared/config.js';
import { serverOptions } from './server-options.js';
import { platformHasReusePort } from './reuse-port.js';

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

  // N processes on one port: each binds it with SO_REUSEPORT (a node:cluster
  // worker shares its primary's socket instead). Only then: with one process, a
  // second one started by mistake must fail with EADDRINUSE.
  const reusePort = config.API_PROCESSES > 1 && cluster.isPrimary && platformHasReusePort();
  await server.listen({ host: config.HOST, port: config.PORT, backlog: config.LISTEN_BACKLOG, ...(reusePort ? { reusePort } : {}) });
}

main().catch((error: unknown) => {
  // A bad configuration is the user's to fix: say what, without a stack trace.
  if (error instanceof ConfigError) console.error(`api: ${error.message}`);
  else console.error('api: failed to start', error);
  process.exit(1);
});
