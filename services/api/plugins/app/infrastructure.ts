import fp from 'fastify-plugin';
import type { Kysely } from 'kysely';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { createDb } from '../../../../db/client.js';
import type { Database } from '../../../../db/schema.js';
import { createKafka } from '../../../shared/kafka.js';
import { createKafkaSender, type KafkaSender } from '../../../shared/kafka-sender.js';
import { clusterReady, createCluster, createRedis, type MainRedis } from '../../../shared/redis.js';
import { createEtcd } from '../../../shared/etcd.js';
import type { Etcd3 } from 'etcd3';
import { etcdEndpoints, kafkaBrokers, redisClusterUrls, redisUrls } from '../../../shared/config.js';

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>;
    /** The main Redis: stock counters and deduction markers. The first of REDIS_URLS, or with REDIS_MAIN=cluster the Redis Cluster of REDIS_CLUSTER_URLS. */
    redis: MainRedis;
    /** Every server of REDIS_URLS: the Redlock quorum (independent servers, never the cluster). */
    redisNodes: Redis[];
    kafka: Kafka;
    kafkaSender: KafkaSender;
    etcd: Etcd3;
  }
}

/** Connections to PostgreSQL, every Redis and Kafka, closed when the app closes. */
export default fp(
  async (fastify) => {
    const { config } = fastify;
    const db = createDb({
      connectionString: config.DATABASE_URL,
      poolMax: config.PG_POOL_MAX,
      acquireTimeoutMs: config.PG_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: config.PG_STATEMENT_TIMEOUT_MS,
      applicationName: 'flash-sale-api',
    });
    const redisNodes = redisUrls(config).map((url, index) =>
      createRedis(url, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: `flash-sale-api-${index + 1}` }),
    );
    for (const [index, node] of redisNodes.entries()) {
      // Without a listener ioredis prints every reconnect failure; one warning per incident is enough.
      node.on('error', (error: Error) => fastify.log.debug({ err: error, redis: index + 1 }, 'redis connection error'));
    }
    const [first] = redisNodes;
    if (first === undefined) throw new Error('REDIS_URLS lists no server');
    const clusterSeeds = redisClusterUrls(config);
    const cluster = clusterSeeds.length > 0 ? createCluster(clusterSeeds, { commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS, name: 'flash-sale-api' }) : undefined;
    cluster?.on('error', (error: Error) => fastify.log.debug({ err: error, redis: 'cluster' }, 'redis cluster error'));
    const main: MainRedis = cluster ?? first;
    if (cluster !== undefined && !(await clusterReady(cluster, config.REDIS_COMMAND_TIMEOUT_MS * 10))) {
      fastify.log.warn({ seeds: clusterSeeds }, 'Redis Cluster not reachable yet; its commands fail (503) until it is');
    }

    fastify.decorate('db', db);
    fastify.decorate<MainRedis>('redis', main);
    fastify.decorate('redisNodes', redisNodes);
    const kafka = createKafka(kafkaBrokers(config), 'flash-sale-api', fastify.log);
    const kafkaSender = createKafkaSender(kafka, config);
    fastify.decorate('kafka', kafka);
    fastify.decorate('kafkaSender', kafkaSender);
    const etcd = createEtcd(etcdEndpoints(config), config.ETCD_CALL_TIMEOUT_MS);
    fastify.decorate('etcd', etcd);

    fastify.addHook('onClose', async () => {
      etcd.close();
      await Promise.allSettled([db.destroy(), kafkaSender.close(), ...redisNodes.map((node) => node.quit()), cluster?.quit()]);
    });
  },
  { name: 'infrastructure', dependencies: ['config'] },
);
