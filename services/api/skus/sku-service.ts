import type { Kysely } from 'kysely';
import type { MainRedis } from '../../shared/redis.js';
import type { Static } from 'typebox';
import type { SkuAudit } from '../schemas/sku.js';
import type { Database } from '../../../db/schema.js';
import { findSku, insertSku, type SkuSettings } from '../../../db/queries/skus.js';
import type { Sku } from '../../../db/schema.js';
import { confirmationDelays, confirmationSpan, existingOrderIds, unitsSold } from '../../../db/queries/orders.js';
import { countUnpublished } from '../../../db/queries/outbox.js';
import { leaseFigures } from '../../../db/queries/leases.js';
import { countInboxEvents, outboxDelivery } from '../../../db/queries/inbox.js';
import { decidedCopiedKey, releasedCopiedKey, restockedCopiedKey, stockKey } from '../../shared/redis-keys.js';
import type { PendingPurchase, Strategy } from '../../strategies/strategy.js';
import type { Log } from '../../shared/log.js';
import { type Restock, restockSku } from '../../../db/queries/restocks.js';
import { copyRestocks, counterMissedCopy } from '../../strategies/common/stock-mirror.js';
import { roomCopyKey, roomCopyValue } from '../../waiting-room/keys.js';
import { roomOf } from '../../waiting-room/room-settings.js';

/**
 * Creates a SKU in every store the strategies use. The PostgreSQL insert
 * decides who creates it (409 for the others); Redis is written inside that
 * transaction, so a Redis failure leaves no half-created SKU behind.
 * Returns the SKU as stored (its defaults filled in), or 'exists'.
 */
export async function createSku(db: Kysely<Database>, redis: MainRedis, sku: string, stock: number, settings: SkuSettings): Promise<Sku | 'exists'> {
  return db.transaction().execute(async (trx) => {
    const created = await insertSku(trx, sku, stock, settings);
    if (created === undefined) return 'exists';
    // Overwrite, not NX: PostgreSQL just said the SKU is new, so any Redis value is a leftover,
    // the count of released units it has included (a new SKU has released none).
    await redis.multi().set(stockKey(sku), stock).del(releasedCopiedKey(sku), decidedCopiedKey(sku), restockedCopiedKey(sku)).exec();
    // The room's copy, "none" included (another slot than the stock's on a cluster: its own command).
    await redis.set(roomCopyKey(sku), roomCopyValue(roomOf(created)));
    return created;
  });
}

/**
 * Adds units to a SKU once per Idempotency-Key: PostgreSQL first (the
 * truth, where every PostgreSQL-deciding strategy sells them at once), then
 * the Redis counter, as the SKU's restocked total (copy-added-4.lua), so
 * redis-lua, kafka-queue's front door and the sold-out flag see them. A copy
 * that fails is left to the mirror repair, which compares the same total; a
 * replay copies again (it adds nothing if the counter has it).
 */
export async function restock(db: Kysely<Database>, redis: MainRedis, log: Pick<Log, 'warn'>, sku: string, units: number, key: string): Promise<Restock> {
  const done = await restockSku(db, sku, units, key);
  if (done.kind !== 'restocked' && done.kind !== 'replayed') return done;
  try {
    const added = await copyRestocks(redis, sku, done.restockedUnits, done.initialStock);
    // null: no counter; the next purchase of a Redis-counting strategy rebuilds it, restocks included.
    if (added === null) counterMissedCopy(redis, sku);
  } catch (error: unknown) {
    counterMissedCopy(redis, sku);
    log.warn({ err: error, sku, restockedUnits: done.restockedUnits }, 'restock not copied to Redis yet; the mirror repair copies it');
  }
  return done;
}

/** The audit as GET /v1/admin/skus/:sku/audit serves it: its type is the response schema's, declared once. */
export type Audit = Static<typeof SkuAudit>;

async function readRedisStock(redis: MainRedis, sku: string): Promise<number | null> {
  try {
    const value = await redis.get(stockKey(sku));
    return value === null ? null : Number(value);
  } catch {
    // An audit is still worth giving with Redis down: it then says inconsistent.
    return null;
  }
}

/** Every strategy's accepted purchases of the SKU not yet orders; null when one of their stores cannot say. */
async function listPending(strategies: readonly Strategy[], sku: string): Promise<PendingPurchase[] | null> {
  const lists = await Promise.all(strategies.map((strategy) => strategy.pendingPurchases?.(sku) ?? Promise.resolve([])));
  return lists.some((list) => list === null) ? null : lists.flatMap((list) => list ?? []);
}

/** Oversold and consistency, computed from the orders table (the truth) and compared with each store. */
export async function auditSku(db: Kysely<Database>, redis: MainRedis, strategies: readonly Strategy[], sku: string): Promise<Audit | undefined> {
  // One snapshot for every PostgreSQL figure: the queue worker settles orders
  // while an audit runs, and a stock read from before a commit next to orders
  // read after it would look inconsistent.
  // A strategy lists a pending purchase until the worker has committed its
  // order, so read them BEFORE the snapshot: a purchase applied in between is
  // then an order in the snapshot, and one still listed after its commit (the
  // worker stopped in between) is not counted twice.
  const queued = await listPending(strategies, sku);
  const snapshot = await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    const row = await findSku(trx, sku);
    if (row === undefined) return undefined;
    const units = await unitsSold(trx, sku);
    const outboxBacklog = await countUnpublished(trx, sku);
    const inboxEvents = await countInboxEvents(trx, sku);
    const delivery = await outboxDelivery(trx, sku);
    const delays = await confirmationDelays(trx, sku);
    const span = await confirmationSpan(trx, sku);
    const leases = await leaseFigures(trx, sku);
    const applied = queued === null ? new Set<string>() : await existingOrderIds(trx, queued.map((purchase) => purchase.orderId));
    return { row, units, outboxBacklog, inboxEvents, delivery, delays, span, applied, leases };
  });
  if (snapshot === undefined) return undefined;
  const { row, units, outboxBacklog, inboxEvents, delivery, delays, span, applied, leases } = snapshot;
  const pendingUnits = queued === null ? null : queued.filter((purchase) => !applied.has(purchase.orderId)).reduce((sum, purchase) => sum + purchase.quantity, 0);
  // Redis after the snapshot: the queue worker mirrors Redis before its commit, so an order settled here is in Redis too.
  const redisStock = await readRedisStock(redis, sku);
  // A live hold has taken its units as surely as a sale: both count against the stock, which is
  // the initial stock plus every restock.
  const forSale = row.initial_stock + row.restocked_units;
  const expectedStock = forSale - units.confirmedUnits - units.reservedUnits;
  const oversoldUnits = Math.max(0, units.confirmedUnits + units.reservedUnits - forSale);
  return {
    sku,
    initialStock: row.initial_stock,
    restockedUnits: row.restocked_units,
    ...units,
    ...leases,
    oversoldUnits,
    expectedStock,
    pgStock: row.stock,
    redisStock,
    pendingUnits,
    // skus.stock may lag the orders Redis decided (redis-lua); with that lag counted it must match the orders exactly.
    // Both counters lack the unsold units of live leases (redis-lease) until they end.
    consistent:
      pendingUnits === 0 &&
      oversoldUnits === 0 &&
      row.stock + leases.liveLeasedUnits - units.unitsNotInPgStock === expectedStock &&
      redisStock !== null &&
      redisStock + leases.liveLeasedUnits === expectedStock,
    // Delivery of outbox events, kept out of `consistent`, whose meaning (the stock) is unchanged.
    outboxBacklog,
    inboxEvents,
    outboxOrdersWithOneInboxEvent: delivery.withOneInboxEvent,
    everyOutboxOrderHasOneInboxEvent: delivery.withOneInboxEvent === delivery.outboxOrders,
    confirmationDelayMs: delays,
    asyncConfirmations: span,
  };
}
