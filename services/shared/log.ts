import type { BaseLogger } from 'pino';

/** The logging calls our code makes; Fastify's logger and a bare pino both fit. */
export type Log = Pick<BaseLogger, 'error' | 'warn' | 'info' | 'debug'>;
