import type { Etcd3 } from 'etcd3';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { findOrder } from '../../db/queries/orders.js';
import type { Database } from '../../db/schema.js';
import { createMetrics } from '../../services/shared/metrics.js';
import { EtcdSession, acquireEtcdLock, etcdLockPrefix } from '../../services/strategies/etcd-lock/etcd-mutex.js';
import { fencedWrite, heldLock } from '../../services/strategies/common/locks/locked-purchase.js';
import { type Answer, type RunningApi, audit, countBy, createSku, etcdClient, purchase, startApi, testConfig, timedPurchases, uniqueSku } from '../helpers/api.js';
import { type EtcdCluster, spawnEtcdCluster } from '../helpers/etcd.js';
import { purchaseRequest } from '../helpers/locks.js';
import { until } from '../helpers/wait.js';

const config = testConfig();
let api: RunningApi;
let db: Kysely<Database>;
let etcd: Etcd3;
beforeAll(async () => {
  api = await startApi();
  db = createDb({ connectionString: config.DATABASE_URL, poolMax: 4, acquireTimeoutMs: 5000, statementTimeoutMs: 5000, applicationName: 'etcd-lock-test' });
  etcd = etcdClient(config);
});
afterAll(async () => {
  await api.close();
  await db.destroy();
  etcd.close();
});

/** A buyer in a process of its own: each process has its own session lease, and so its own key per SKU. */
function anotherProcess(): EtcdSession {
  return new EtcdSession(etcd, 2000);
}

/** What etcd does when a holder's lease runs out while it is paused: its key goes, the holder does not know. */
async function expireLeaseOf(sku: string): Promise<void> {
  const keys = await etcd.getAll().prefix(etcdLockPrefix(sku)).exec();
  const [holder] = keys.kvs;
  if (holder === undefined) throw new Error('no lock key');
  await etcd.leaseClient.leaseRevoke({ ID: holder.lease });
}

describe('etcd-lock', () => {
  it('queues buyers by create revision: the second waits for the first, and gets a larger fencing token', async () => {
    const sku = uniqueSku('etcd-order');
    const first = await acquireEtcdLock(etcd, anotherProcess(), sku, { waitMs: 0 });
    if (first === undefined) throw new Error('the free lock was not granted');
    // While the first holds it, a second buyer's wait runs out.
    expect(await acquireEtcdLock(etcd, anotherProcess(), sku, { waitMs: 200 })).toBeUndefined();
    // A third waits, and gets the lock once the first releases it.
    const waiting = acquireEtcdLock(etcd, anotherProcess(), sku, { waitMs: 3000 });
    // Released only once the third buyer's key is in line behind the first's.
    await until('the third buyer in line', () => etcd.getAll().prefix(etcdLockPrefix(sku)).keys(), (keys) => keys.length >= 2, 3_000, 10);
    await first.lease.release();
    const next = await waiting;
    if (next === undefined) throw new Error('the released lock was not granted');
    expect(BigInt(next.fenceToken)).toBeGreaterThan(BigInt(first.fenceToken));
    await next.lease.release();
    // Nothing left behind: each buyer deleted its key, the one that gave up too.
    expect((await etcd.getAll().prefix(etcdLockPrefix(sku)).keys()).length).toBe(0);
  });

  it('refuses the write of a holder whose lease expired after a newer holder wrote (the revision is the fencing token)', async () => {
    const sku = uniqueSku('etcd-fence');
    await createSku(api, sku, 5);
    const metrics = createMetrics();
    const a = await acquireEtcdLock(etcd, anotherProcess(), sku, { waitMs: 0 });
    if (a === undefined) throw new Error('A did not get the free lock');
    await expireLeaseOf(sku);
    const b = await acquireEtcdLock(etcd, anotherProcess(), sku, { waitMs: 1000 });
    if (b === undefined) throw new Error('B did not get the expired lock');
    expect(BigInt(b.fenceToken)).toBeGreaterThan(BigInt(a.fenceToken));

    const requestB = purchaseRequest(sku);
    expect(await fencedWrite({ db, metrics }, 'etcd-lock', requestB, heldLock(b.lease, b.fenceToken, 'etcd_fence_token'))).toEqual({ kind: 'confirmed', orderId: requestB.orderId });
    // A still believes it holds the lock (no renewal has failed yet): only PostgreSQL can stop it.
    expect(a.lease.isHeld()).toBe(true);
    const requestA = purchaseRequest(sku);
    expect(await fencedWrite({ db, metrics }, 'etcd-lock', requestA, heldLock(a.lease, a.fenceToken, 'etcd_fence_token'))).toMatchObject({ kind: 'contended' });
    expect(await findOrder(db, requestA.orderId)).toBeUndefined();
    expect((await audit(api, sku)).body).toMatchObject({ confirmedUnits: 1, pgStock: 4 });
    await Promise.all([a.lease.release(), b.lease.release()]);
  });
});

describe('etcd-lock on a three-member cluster of its own', () => {
  // A short wait so "no majority" answers quickly; the bound asserted below follows from it.
  const lockWaitMs = 1000;
  let cluster: EtcdCluster | undefined;
  let quorumApi: RunningApi | undefined;
  beforeAll(async () => {
    cluster = await spawnEtcdCluster();
    quorumApi = await startApi({ ETCD_ENDPOINTS: cluster.endpoints.join(','), PURCHASE_WAIT_MS: String(lockWaitMs) });
  });
  afterAll(async () => {
    await quorumApi?.close();
    await cluster?.close();
  });

  it('sells with one member stopped, and answers 503 without an order with two stopped', async () => {
    if (quorumApi === undefined || cluster === undefined) throw new Error('no cluster');
    const target = quorumApi;
    const sku = uniqueSku('etcd-quorum');
    expect((await createSku(target, sku, 20)).status).toBe(201);
    expect((await purchase(target, { sku, strategy: 'etcd-lock' })).status).toBe(201);

    cluster.pause(2);
    // If the stopped member led the cluster, the other two elect a leader first (~1-2 s): buyers meanwhile get 503s.
    const deadline = Date.now() + 10_000;
    let sold = 0;
    const refused: Answer[] = [];
    while (sold < 3 && Date.now() < deadline) {
      const answer = await purchase(target, { sku, strategy: 'etcd-lock' });
      if (answer.status === 201) sold += 1;
      else refused.push(answer);
    }
    expect(sold, `the last answers other than 201: ${JSON.stringify(refused.slice(-3).map((a) => [a.status, a.body.detail]))}`).toBe(3);
    for (const answer of refused) expect(answer.status).toBe(503);

    cluster.pause(1);
    const withOne = await timedPurchases(target, sku, 3, 'etcd-lock');
    for (const { answer, ms } of withOne) {
      expect(answer).toMatchObject({ status: 503 });
      expect(ms, String(answer.body.detail)).toBeLessThan(lockWaitMs + 1500);
    }
    cluster.resume(1);
    cluster.resume(2);
    expect((await audit(target, sku)).body).toMatchObject({ confirmedUnits: 4, oversoldUnits: 0, pgStock: 16 });
    expect(countBy(withOne.map((t) => t.answer))).toEqual({ 503: 3 });
  });
});
