import { keysWithOrders } from '../../../db/queries/orders.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import { allShards, shardOf } from '../../shared/redis-keys.js';
import { queuedPurchasesKey, queuedUnsentKey, queueSweepSkusKey } from './keys.js';
import { maxPurchasesPerMessage } from './index.js';
import { parseQueuedPurchase, type QueuedPurchase, queuedMessage } from './queued-purchase.js';
import type { WorkerDeps } from '../strategy.js';
import { forgetQueued } from './applier.js';

// SKUs read from the sweeper's set per SSCAN call: a flash sale has a few hot
// SKUs, so one call usually covers them all.
const skusPerScan = 100;

interface Claimed {
  purchase: QueuedPurchase;
  json: string;
}

/**
 * One SKU: claim its purchases that Kafka never acknowledged to the front
 * door and that are older than QUEUE_SWEEP_AFTER_MS (the claim moves each
 * one's age forward, so it is re-sent at most once per period), drop the ones
 * that already have an order (the worker committed them but died before
 * unlisting), and send the rest as one message. Idempotent: the worker
 * applies a key once, so a purchase whose first send did land changes nothing.
 */
async function sweepSku(deps: WorkerDeps, sku: string): Promise<number> {
  const jsons = await deps.redis.claimUnsent(queuedUnsentKey(sku), queuedPurchasesKey(sku), queueSweepSkusKey(shardOf(sku)), sku, deps.config.QUEUE_SWEEP_AFTER_MS, maxPurchasesPerMessage);
  const claimed: Claimed[] = [];
  for (const json of jsons) {
    const purchase = parseQueuedPurchase(json);
    if (purchase !== undefined) claimed.push({ purchase, json });
  }
  if (claimed.length === 0) return jsons.length;
  const ordered = await keysWithOrders(deps.db, claimed.map(({ purchase }) => purchase.idempotencyKey));
  const done = claimed.filter(({ purchase }) => ordered.has(purchase.idempotencyKey)).map(({ purchase }) => purchase);
  await forgetQueued(deps, sku, done);
  const stranded = claimed.filter(({ purchase }) => !ordered.has(purchase.idempotencyKey));
  if (stranded.length === 0) return jsons.length;
  await deps.kafka.send(deps.config.PURCHASE_TOPIC, [{ key: sku, value: queuedMessage(stranded.map(({ json }) => json)) }]);
  // Acknowledged: one command for the message. If it fails, the next period sends them once more (harmless).
  await deps.redis.zrem(queuedUnsentKey(sku), ...stranded.map(({ purchase }) => purchase.orderId));
  deps.metrics.queueResends.inc(stranded.length);
  deps.log.info({ sku, purchases: stranded.length, oldestRequestedAt: new Date(Math.min(...stranded.map(({ purchase }) => purchase.requestedAt))).toISOString() }, 'purchases Kafka never acknowledged were sent again');
  return jsons.length;
}

/** Every SKU with unsent purchases, once, shard by shard; a SKU whose set emptied was dropped from the set by its claim. */
async function sweepRound(deps: WorkerDeps): Promise<number> {
  // With the breaker open a claim would only push ages forward without sending: wait for the probe.
  if (!deps.kafka.accepting()) return 0;
  let swept = 0;
  for (const shard of allShards) {
    let cursor = '0';
    do {
      const [next, skus] = await deps.redis.sscan(queueSweepSkusKey(shard), cursor, 'COUNT', skusPerScan);
      cursor = next;
      for (const sku of skus) swept += await sweepSku(deps, sku);
    } while (cursor !== '0');
  }
  return swept;
}

/**
 * The queue sweeper, in the worker (it has a Kafka sender and PostgreSQL): a
 * kafka-queue purchase recorded in Redis but never acknowledged by Kafka to
 * its front door (the API died between the two, or the send's outcome was
 * unknown) is sent again once it is QUEUE_SWEEP_AFTER_MS old, so it reaches
 * a final state (applied or rejected by the worker) without any client retry.
 *
 * It does not flood Kafka when the worker is slow or paused: an acknowledged
 * purchase is unlisted by the front door at once, whatever the worker's
 * backlog, and a claimed one waits another full period before it can be
 * claimed again. Several workers may sweep: a claim is atomic.
 */
export function startQueueSweeper(deps: WorkerDeps): PollLoop {
  // Five looks per period: a stranded purchase is re-sent between 1 and 1.2
  // periods after it was recorded, for a few cheap Redis calls a second.
  const everyMs = Math.max(20, Math.floor(deps.config.QUEUE_SWEEP_AFTER_MS / 5));
  return startPollLoop(() => sweepRound(deps), {
    idleMs: everyMs,
    failureMs: everyMs,
    // A round that claimed a full message's worth may have left more: go again at once.
    batchSize: maxPurchasesPerMessage,
    log: deps.log,
    what: 'queue sweeper',
  });
}
