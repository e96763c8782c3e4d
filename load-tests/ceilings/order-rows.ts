// The order-row route of the no-op server (noop-server.ts): one confirmed
// order row per request, naming its own unit, written in group commits (up
// to PG_BATCH_MAX_SIZE rows a statement, one statement in flight, as the
// strategies' order writer does) before the 201. Nothing else a strategy
// does: no stock, no lease, no Redis, no idempotency read. What it sustains
// beside k6 is the most any strategy that records its sale in PostgreSQL
// before answering can sell on this machine.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { createDb } from '../../db/client.js';
import { insertSku } from '../../db/queries/skus.js';
import type { Database } from '../../db/schema.js';
import { createKeyedBatcher } from '../../lib/sku-batcher.js';
import type { Config } from '../../services/shared/config.js';

export interface OrderRows {
  /** Resolves once the order row of this buyer and key is committed. */
  write(userId: string, idempotencyKey: string): Promise<void>;
  close(): Promise<void>;
}

interface Row {
  id: string;
  userId: string;
  idempotencyKey: string;
  unit: number;
}

/**
 * The orders of one group commit, in one statement of one shape (unnest of
 * arrays, as insertUnitOrders), already counted in the stock
 * (stock_applied = true: no catch-up runs after them). Its unit is what
 * PostgreSQL checks for every sale that names one (sold_units).
 */
async function insertRows(db: Kysely<Database>, sku: string, rows: readonly Row[]): Promise<number> {
  const column = <T>(pick: (row: Row) => T): T[] => rows.map(pick);
  const result = await sql`
    insert into orders (id, sku, user_id, quantity, strategy, status, idempotency_key, stock_applied, units)
    select i.id, ${sku}, i.user_id, 1, 'order-row-ceiling', 'confirmed', i.idempotency_key, true, int4multirange(int4range(i.unit, i.unit + 1))
    from unnest(${column((r) => r.id)}::uuid[], ${column((r) => r.userId)}::text[], ${column((r) => r.idempotencyKey)}::text[], ${column((r) => r.unit)}::int[])
      as i(id, user_id, idempotency_key, unit)`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

// More units than any ceiling run sends (a closed loop does ~10,000 a second here).
const stock = 1_000_000_000;

/** A SKU of its own for this server's life, and the batcher that writes its orders. */
export async function startOrderRows(config: Config): Promise<OrderRows> {
  const db = createDb({ connectionString: config.DATABASE_URL, poolMax: config.PG_POOL_MAX, acquireTimeoutMs: 5000, statementTimeoutMs: 10_000, applicationName: 'order-row-ceiling' });
  const sku = `ceiling-order-row-${Date.now().toString(36)}-${process.pid}`;
  if ((await insertSku(db, sku, stock)) === undefined) throw new Error(`order-row ceiling: SKU ${sku} exists already`);
  let lastUnit = 0;
  const batcher = createKeyedBatcher<Row, void>({
    windowMs: 0,
    maxSize: config.PG_BATCH_MAX_SIZE,
    flush: async (_key, rows) => {
      const inserted = await insertRows(db, sku, rows);
      if (inserted !== rows.length) throw new Error(`order-row ceiling: ${inserted} of ${rows.length} rows inserted`);
      return rows.map(() => undefined);
    },
  });
  return {
    write: (userId, idempotencyKey) => {
      lastUnit += 1;
      return batcher.submit(sku, { id: randomUUID(), userId, idempotencyKey, unit: lastUnit });
    },
    close: () => db.destroy(),
  };
}
