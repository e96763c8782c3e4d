import { sql, type Kysely } from 'kysely';
import type { Cluster, Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import type { Etcd3 } from 'etcd3';
import type { Database } from '../../db/schema.js';
import { within } from '../../lib/within.js';

export type CheckResult = Record<string, 'up' | 'down'>;

export interface HealthTargets {
  db: Kysely<Database>;
  redisNodes: Redis[];
  /** The main Redis when it is a Redis Cluster (REDIS_MAIN=cluster): up when every master it knows answers. */
  cluster?: Cluster | undefined;
  kafka: Kafka;
  etcd: Etcd3;
  timeoutMs: number;
}

/** Checks every dependency in parallel, each bounded by `timeoutMs`. */
export function createReadinessCheck(targets: HealthTargets): { check: () => Promise<CheckResult>; close: () => Promise<void> } {
  let admin: Admin | undefined;

  async function kafkaUp(): Promise<void> {
    // One admin connection reused across probes; dropped after a failure so the next probe reconnects.
    admin ??= targets.kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.describeCluster();
    } catch (error: unknown) {
      const failed = admin;
      admin = undefined;
      await failed.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /** Every master answers: a slot whose master is gone (before its replica is promoted) sells nothing. */
  async function clusterUp(cluster: Cluster | undefined): Promise<void> {
    const masters = cluster?.nodes('master') ?? [];
    if (masters.length === 0) throw new Error('no master known');
    await Promise.all(masters.map((node) => node.ping()));
  }

  async function check(): Promise<CheckResult> {
    const probes: [string, () => Promise<unknown>][] = [
      ['postgres', () => sql`select 1`.execute(targets.db)],
      ...targets.redisNodes.map((node, index): [string, () => Promise<unknown>] => [`redis-${index + 1}`, () => node.ping()]),
      ...(targets.cluster === undefined ? [] : [['redis-cluster', () => clusterUp(targets.cluster)] as [string, () => Promise<unknown>]]),
      ['kafka', kafkaUp],
      // Any member answering a read means the cluster is reachable; a lock needs its majority (etcd-lock answers 503 without).
      ['etcd', () => targets.etcd.maintenance.status()],
    ];
    const results = await Promise.allSettled(probes.map(([, probe]) => within(probe(), targets.timeoutMs)));
    return Object.fromEntries(probes.map(([name], index) => [name, results[index]?.status === 'fulfilled' ? 'up' : 'down']));
  }

  return {
    check,
    close: async () => {
      await admin?.disconnect().catch(() => undefined);
    },
  };
}
