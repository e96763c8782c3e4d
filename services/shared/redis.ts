import { Redis } from 'ioredis';

export interface RedisOptions {
  commandTimeoutMs: number;
  name: string;
}

/**
 * A Redis connection that fails fast instead of queueing: during a flash sale
 * a command that cannot run now is worth a 503, not a request held open while
 * ioredis reconnects in the background.
 */
export function createRedis(url: string, options: RedisOptions): Redis {
  return new Redis(url, {
    connectionName: options.name,
    commandTimeout: options.commandTimeoutMs,
    // One retry after a reconnect, then the command fails to its caller.
    maxRetriesPerRequest: 1,
    // Reconnect quickly at first, then at most every 2 s so a dead server is not hammered.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2000),
    connectTimeout: 2000,
    lazyConnect: false,
    enableAutoPipelining: true,
  });
}

/** Redis's clock in ms (what its scripts stamp with TIME), so every process draws the same line whatever its own clock says. */
export async function redisNowMs(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
