// After the burst and the fault: wait (bounded) until the audit says the
// SKU is settled and consistent, then read back every accepted order (at its
// Location, as a buyer would) and every order PostgreSQL holds for the SKU.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database, OrderStatus } from '../../db/schema.js';
import type { Audit } from './admin.js';
import type { RunContext } from './context.js';

export interface Recovery {
  /** The last audit read (undefined: never readable). */
  audit: Audit | undefined;
  /** Ledger clock when the audit first read consistent, settled (nothing pending, no outbox backlog). */
  settledAt: number | undefined;
  /** Key -> status of its order at GET /v1/orders/:id, for every 201/202 key. */
  polled: Map<string, string>;
  /** Every order PostgreSQL holds for the SKU. */
  dbOrders: Array<{ id: string; key: string; status: OrderStatus }>;
}

const settled = (audit: Audit | undefined): boolean => audit !== undefined && audit.consistent && audit.pendingUnits === 0 && audit.outboxBacklog === 0;

/** Polls `items` through `poll` with at most `width` in flight (the API under test is on the same 2 cores). */
async function inBatches<T>(items: T[], width: number, poll: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(poll));
}

export async function recover(ctx: RunContext, db: Kysely<Database>, settleTimeoutMs: number): Promise<Recovery> {
  const deadline = Date.now() + settleTimeoutMs;
  let audit = await ctx.admin.audit(ctx.sku);
  // Oversold units never come back, so `consistent` cannot turn true: no use waiting once all is applied.
  const hopeless = (a: Audit | undefined): boolean => a !== undefined && a.oversoldUnits > 0 && a.pendingUnits === 0 && a.outboxBacklog === 0;
  while (!settled(audit) && !hopeless(audit) && Date.now() < deadline) {
    await sleep(250); // 250 ms: the worker applies a batch every ~100 ms; finer polling only loads the API
    audit = await ctx.admin.audit(ctx.sku);
  }
  const settledAt = settled(audit) ? ctx.ledger.now() : undefined;

  // Every 201/202 at its Location; a 202 still pending is polled again until the same deadline.
  const polled = new Map<string, string>();
  const accepted = ctx.ledger.records.filter((r) => (r.final?.kind === 'confirmed' || r.final?.kind === 'accepted') && r.final.orderId !== undefined);
  await inBatches(accepted, 20, async (record) => {
    const id = record.final?.orderId ?? '';
    let status = await ctx.admin.orderStatus(id);
    while ((status === 'pending' || status === 'unreadable') && Date.now() < deadline) {
      await sleep(250);
      status = await ctx.admin.orderStatus(id);
    }
    record.polled = status;
    polled.set(record.key, status);
  });

  // Each accepted key once more, through the first API still running (one may have been killed for good): the same order must come back (a replay).
  const first = ctx.services.apis.find((api) => api.pid !== undefined);
  if (first !== undefined) await inBatches(accepted, 20, (record) => ctx.ledger.replay(record, ctx.services.urlOf(first)));

  const rows = await db.selectFrom('orders').select(['id', 'idempotency_key', 'status']).where('sku', '=', ctx.sku).execute();
  return { audit, settledAt, polled, dbOrders: rows.map((row) => ({ id: row.id, key: row.idempotency_key, status: row.status })) };
}
