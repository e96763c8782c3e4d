import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners } from 'kafkajs';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../db/schema.js';
import type { RunningWorker } from '../../services/worker/worker.js';
import { type Answer, type RunningApi, countBy, createSku, get, patient, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { auditWhen, openDb, orderStatuses, ordersWithSeveralInboxEvents, settledOutbox, settledQueue, spawnWorker, startInProcessWorker } from '../helpers/worker.js';

// The flash sale in miniature: six buyers per unit, all at once.
const stock = 50;
const buyers = 300;

let api: RunningApi;
let db: Kysely<Database>;
beforeAll(async () => {
  // Exactness under a burst: patient waits (see helpers/api.ts).
  api = await startApi(patient);
  db = openDb();
});
afterAll(async () => {
  await api.close();
  await db.destroy();
});

function burst(sku: string, strategy: string, count: number): Promise<Answer[]> {
  return Promise.all(Array.from({ length: count }, () => purchase(api, { sku, strategy })));
}

describe('with the worker in this process', () => {
  let worker: RunningWorker;
  beforeAll(async () => {
    // 100/s: the 300 queued purchases take ~3 s to apply, so a 202 can be seen pending.
    worker = await startInProcessWorker({ QUEUE_APPLY_MAX_PER_SECOND: '100' });
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('serves its own Prometheus metrics (the queue sweeper, the Redis copies)', async () => {
    const response = await fetch(worker.metricsUrl);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^# TYPE queue_sweeper_resends_total counter$/m);
    expect(text).toMatch(/^# TYPE stock_mirror_failures_total counter$/m);
    expect((await fetch(worker.metricsUrl.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('kafka-queue answers 202 or 409, then settles exactly the stock', async () => {
    const sku = uniqueSku('kafka-queue');
    expect((await createSku(api, sku, stock)).status).toBe(201);
    // Follow one order from pending to its outcome. Looked at as its 202 arrives:
    // on a loaded machine the burst can outlast the worker's backlog, so
    // looking after the whole burst may find every order settled already.
    let watched: string | undefined;
    const answers = await Promise.all(
      Array.from({ length: buyers }, async () => {
        const answer = await purchase(api, { sku, strategy: 'kafka-queue' });
        if (answer.status === 202 && watched === undefined) {
          const order = await get(api, `/v1/orders/${String(answer.body.orderId)}`);
          if (order.body.status === 'pending') watched ??= String(answer.body.orderId);
        }
        return answer;
      }),
    );
    const counts = countBy(answers);
    expect(Object.keys(counts).sort()).toEqual(expect.arrayContaining(['202']));
    expect((counts[202] ?? 0) + (counts[409] ?? 0)).toBe(buyers);

    const queued = answers.filter((answer) => answer.status === 202);
    for (const answer of queued) expect(answer.headers.get('location')).toBe(`/v1/orders/${String(answer.body.orderId)}`);
    expect(watched, 'no queued order was still pending').toBeDefined();

    const settled = await auditWhen(api, sku, settledQueue);
    expect(settled).toMatchObject({ confirmedUnits: stock, confirmedOrders: stock, pendingUnits: 0, oversoldUnits: 0, pgStock: 0, redisStock: 0, consistent: true });
    // Every queued order was settled: the stock confirmed, the rest rejected as sold out.
    expect(await orderStatuses(db, sku)).toEqual({ confirmed: stock, rejected: queued.length - stock });
    // The audit times each confirmation from its request: one delay per confirmed order, all after the request.
    const delay = settled.confirmationDelayMs as { count: number; p50: number; max: number };
    expect(delay.count).toBe(stock);
    expect(delay.p50).toBeGreaterThan(0);
    expect(delay.max).toBeGreaterThanOrEqual(delay.p50);
    // The same confirmations give the worker's drain rate: every unit, over the time from the first confirmation to the last.
    const span = settled.asyncConfirmations as { orders: number; units: number; spanMs: number; lastAt: string };
    expect(span).toMatchObject({ orders: stock, units: stock });
    expect(span.spanMs).toBeGreaterThan(0);
    expect(Date.parse(span.lastAt)).toBeLessThanOrEqual(Date.now());
    const outcome = await get(api, `/v1/orders/${String(watched)}`);
    expect(['confirmed', 'rejected']).toContain(outcome.body.status);
  });

  it('outbox confirms exactly the stock, and every order reaches the inbox once', async () => {
    const sku = uniqueSku('outbox');
    expect((await createSku(api, sku, stock)).status).toBe(201);
    const counts = countBy(await burst(sku, 'outbox', buyers));
    expect(counts).toEqual({ 201: stock, 409: buyers - stock });
    const settled = await auditWhen(api, sku, settledOutbox);
    expect(settled).toMatchObject({
      confirmedOrders: stock,
      oversoldUnits: 0,
      consistent: true,
      outboxBacklog: 0,
      inboxEvents: stock,
      outboxOrdersWithOneInboxEvent: stock,
      everyOutboxOrderHasOneInboxEvent: true,
      // Confirmed in the request's own transaction: no order waited for a confirmation.
      confirmationDelayMs: { count: 0, p50: null, p95: null, p99: null, max: null },
      asyncConfirmations: { orders: 0, units: 0, spanMs: null, lastAt: null },
    });
  });
});

describe('a worker killed mid-burst and started again', () => {
  it('loses nothing and applies nothing twice', async () => {
    const units = 40;
    const queueSku = uniqueSku('kill-queue');
    const outboxSku = uniqueSku('kill-outbox');
    expect((await createSku(api, queueSku, units)).status).toBe(201);
    expect((await createSku(api, outboxSku, units)).status).toBe(201);

    // 50/s: the 120 queued purchases need ~2.4 s of its budget.
    const env = { QUEUE_APPLY_MAX_PER_SECOND: '50' };
    let worker = await spawnWorker(env);
    try {
      // Outbox purchases in small waves while the queue is being applied (all within stock).
      const outboxWaves = (async () => {
        const answers: Answer[] = [];
        for (let wave = 0; wave < 6; wave += 1) {
          answers.push(...(await burst(outboxSku, 'outbox', 5)));
          await sleep(100);
        }
        return answers;
      })();
      const queueBurst = burst(queueSku, 'kafka-queue', 120);
      // Killed while purchases wait in the queue: a wait on that, not a fixed sleep. Whether
      // it has applied some yet depends on when it joined its group (it applies a fetched
      // batch at once, up to its per-second budget), so that is not asserted.
      await auditWhen(api, queueSku, (body) => Number(body.pendingUnits) >= 20);
      worker.child.kill('SIGKILL');
      await worker.exited;
      const queueAnswers = await queueBurst;
      // The kill really landed mid-queue: some purchases are still pending.
      expect((await auditWhen(api, queueSku, () => true)).pendingUnits).toBeGreaterThan(0);
      // The API keeps selling with the worker dead; these events wait in the outbox.
      const outboxAnswers = [...(await outboxWaves), ...(await burst(outboxSku, 'outbox', 90))];
      expect((await auditWhen(api, outboxSku, () => true)).outboxBacklog).toBeGreaterThan(0);

      worker = await spawnWorker(env);
      expect(countBy(outboxAnswers)).toEqual({ 201: units, 409: 120 - units });
      expect(queueAnswers.every((answer) => answer.status === 202 || answer.status === 409)).toBe(true);

      const queueAudit = await auditWhen(api, queueSku, settledQueue);
      // redisStock is not asserted: a kill between the Redis mirror and the commit may leave Redis low (the safe side).
      expect(queueAudit).toMatchObject({ confirmedUnits: units, confirmedOrders: units, pendingUnits: 0, oversoldUnits: 0, pgStock: 0 });
      const outboxAudit = await auditWhen(api, outboxSku, settledOutbox);
      expect(outboxAudit).toMatchObject({ confirmedOrders: units, oversoldUnits: 0, outboxBacklog: 0, inboxEvents: units, everyOutboxOrderHasOneInboxEvent: true });
      expect(await ordersWithSeveralInboxEvents(db, outboxSku)).toEqual([]);
    } catch (error: unknown) {
      console.error(worker.output().slice(-4000));
      throw error;
    } finally {
      worker.child.kill('SIGTERM');
      await worker.exited;
    }
  });
});

/** The partition kafkajs's default partitioner gives a SKU's messages (keyed by SKU), as the front door sends them. */
function partitionOf(sku: string, partitions: number): number {
  const pick = Partitioners.DefaultPartitioner();
  return pick({ topic: testConfig().PURCHASE_TOPIC, partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, partitionErrorCode: 0, leader: 0, replicas: [0], isr: [0] })), message: { key: sku, value: '' } });
}

/** A log line as JSON, or undefined for one that is not whole (WORKER_PROCESSES=2: two processes write one pipe, and a long line can come interleaved). */
function parsedLine(line: string): { assignment?: Record<string, number[]> } | undefined {
  try {
    return JSON.parse(line) as { assignment?: Record<string, number[]> };
  } catch {
    return undefined;
  }
}

/** The purchase applier's partitions in a worker's latest whole "consumer joined its group" line; undefined before it joined. */
function applierPartitions(output: string): number[] | undefined {
  const topic = testConfig().PURCHASE_TOPIC;
  const joins = output
    .split('\n')
    .filter((line) => line.includes('"consumer joined its group"') && line.includes('"flash-sale-purchase-applier"'))
    .flatMap((line) => parsedLine(line) ?? []);
  return joins.at(-1)?.assignment?.[topic];
}

describe('two workers in one group, the one applying a SKU killed mid-drain', () => {
  it('the other takes its partitions over: nothing lost, nothing applied twice', async () => {
    const units = 40;
    const sku = uniqueSku('two-workers');
    expect((await createSku(api, sku, units)).status).toBe(201);
    const partitions = testConfig().TOPIC_PARTITIONS;
    const env = { QUEUE_APPLY_MAX_PER_SECOND: '50', WORKER_PROCESSES: '2' };
    const workers = [await spawnWorker(env), await spawnWorker(env)];
    try {
      // Both in the group, each with its share: the first rebalances when the second joins.
      await auditWhen(api, sku, () => {
        const shares = workers.map((w) => applierPartitions(w.output()) ?? []);
        return shares.every((share) => share.length > 0) && new Set(shares.flat()).size === partitions && shares.flat().length === partitions;
      });
      const owner = workers.find((w) => applierPartitions(w.output())?.includes(partitionOf(sku, partitions)) === true);
      const survivor = workers.find((w) => w !== owner);
      if (owner === undefined || survivor === undefined) throw new Error('no worker owns the SKU partition');

      const queued = burst(sku, 'kafka-queue', 120);
      // Killed while purchases wait in its partition (50/s: 120 need ~2.4 s).
      await auditWhen(api, sku, (body) => Number(body.pendingUnits) >= 20);
      owner.child.kill('SIGKILL');
      await owner.exited;
      const answers = await queued;
      expect(answers.every((answer) => answer.status === 202 || answer.status === 409)).toBe(true);
      expect((await auditWhen(api, sku, () => true)).pendingUnits).toBeGreaterThan(0);

      // The survivor gets the dead member's partitions once its session (6 s) lapses, and drains them.
      const settled = await auditWhen(api, sku, settledQueue, 60_000);
      expect(settled).toMatchObject({ confirmedUnits: units, confirmedOrders: units, pendingUnits: 0, oversoldUnits: 0, pgStock: 0 });
      expect(applierPartitions(survivor.output())).toHaveLength(partitions);
      // Each accepted purchase ended once: confirmed or rejected, one order per key.
      const accepted = answers.filter((a) => a.status === 202).length;
      expect(await orderStatuses(db, sku)).toEqual({ confirmed: units, rejected: accepted - units });
    } catch (error: unknown) {
      for (const w of workers) console.error(w.output().slice(-3000));
      throw error;
    } finally {
      for (const w of workers) {
        w.child.kill('SIGTERM');
        await w.exited;
      }
    }
  }, 120_000);
});
