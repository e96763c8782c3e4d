import type { Config } from '../../services/shared/config.js';
import { createMainRedis, type MainRedis } from '../../services/shared/redis.js';
import { defineScripts } from '../../services/strategies/common/redis-scripts.js';
import { testConfig } from '../../harness/api.js';

/**
 * A test's own connection to the main Redis the API under test uses: the
 * first of REDIS_URLS, or the Redis Cluster with REDIS_MAIN=cluster (how
 * `npm run test:cluster` runs the strategy tests again), scripts defined.
 */
export function mainRedis(name: string, config: Config = testConfig()): MainRedis {
  const redis = createMainRedis(config, { commandTimeoutMs: 2000, name, queueUntilReady: true });
  defineScripts(redis);
  return redis;
}
