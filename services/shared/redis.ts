import { Cluster, Redis } from 'ioredis';
import { type Config, redisClusterUrls, redisUrls } from './config.js';

export interface RedisOptions {
  commandTimeoutMs: number;
  name: string;
  /** Cluster only: hold commands until the slot map is loaded (for tools and tests that send at once; the service fails fast instead). */
  queueUntilReady?: boolean;
}

/**
 * A Redis connection that fails fast instead of queueing: during a flash sale
 * a command that cannot run now is worth a 503, not a request held open while
 * ioredis reconnects in the background.
 */
export function createRedis(url: string, options: RedisOptions): Redis {
  return new Redis(url, { ...connectionOptions(options), retryStrategy: reconnectDelay, lazyConnect: false, enableAutoPipelining: true });
}

function connectionOptions(options: RedisOptions) {
  return {
    connectionName: options.name,
    commandTimeout: options.commandTimeoutMs,
    // One retry after a reconnect, then the command fails to its caller.
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  };
}

// Reconnect quickly at first, then at most every 2 s so a dead server is not hammered.
const reconnectDelay = (attempt: number): number => Math.min(attempt * 100, 2000);

/**
 * The main Redis: one server, or a Redis Cluster. Both take the same
 * commands; every key is placed so each script's keys share a slot
 * (redis-keys.ts), so the code above this type does not care which it is.
 */
export type MainRedis = Redis | Cluster;

export function isCluster(redis: MainRedis): redis is Cluster {
  return redis instanceof Cluster;
}

/**
 * A Redis Cluster client from seed URLs (any of its nodes; it learns the rest).
 * Reads and writes go to masters only: a replica's copy lags, and every read
 * here decides something. A slot whose master is gone answers CLUSTERDOWN
 * until its replica is promoted; the client retries that, a moved slot and
 * TRYAGAIN briefly, within the command timeout, then the caller gets the
 * error (a 503, dependency-errors.ts).
 */
export function createCluster(urls: readonly string[], options: RedisOptions): Cluster {
  const seeds = urls.map((url) => {
    const parsed = new URL(url);
    return { host: parsed.hostname, port: Number(parsed.port || 6379) };
  });
  return new Cluster(seeds, {
    redisOptions: connectionOptions(options),
    clusterRetryStrategy: reconnectDelay,
    // Nothing waits for a cluster that is not there: a command issued while the
    // client has no slot map fails at once (a 503), instead of sitting in a
    // queue the command timeout does not cover. Start-up waits for the map (clusterReady).
    enableOfflineQueue: options.queueUntilReady === true,
    // Off on a cluster: ioredis batches auto-pipelined commands per node and
    // does not redirect them one by one on MOVED, so after a failover they
    // failed with MOVED until the slot map was refreshed (seen in the
    // redis-failover fault; redis/ioredis#2075).
    enableAutoPipelining: false,
    scaleReads: 'master',
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
  });
}

/**
 * Resolves once a cluster client has its slot map, or after `ms` (it keeps
 * trying in the background; commands fail fast until then). A plain server
 * client resolves at once: it queues its first commands itself.
 */
export async function clusterReady(redis: MainRedis, ms: number): Promise<boolean> {
  if (!isCluster(redis) || redis.status === 'ready') return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      resolve(false);
    }, ms);
    const ready = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', ready);
  });
}

/** The main Redis the configuration names: the cluster of REDIS_CLUSTER_URLS with REDIS_MAIN=cluster, else the first of REDIS_URLS. */
export function createMainRedis(config: Config, options: RedisOptions): MainRedis {
  const cluster = redisClusterUrls(config);
  if (cluster.length > 0) return createCluster(cluster, options);
  const [main] = redisUrls(config);
  if (main === undefined) throw new Error('REDIS_URLS lists no server');
  return createRedis(main, options);
}

/** Deletes keys that may sit on different slots: one DEL on one server, one per key (pipelined) on a cluster. */
export async function deleteKeys(redis: MainRedis, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  if (isCluster(redis)) await Promise.all(keys.map((key) => redis.del(key)));
  else await redis.del(...keys);
}

/**
 * Redis's clock in ms (what its scripts stamp with TIME), so every process
 * draws the same line whatever its own clock says. On a cluster TIME goes to
 * any node: the lines drawn with it (a grace of seconds) allow for the
 * milliseconds node clocks differ by.
 */
export async function redisNowMs(redis: MainRedis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
