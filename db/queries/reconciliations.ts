import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';

type Db = Kysely<Database>;

/** What the reconciler can change, one row each time it does. */
export type ReconciliationAction =
  // Units a deduction took in Redis, given back because its order never came.
  | 'deduction_given_back'
  // A lost stock counter, set again from the orders.
  | 'counter_rebuilt'
  // An order PostgreSQL refused because its units were sold already (Redis had lost writes).
  | 'units_refused'
  // A Redis counter that missed copies of PostgreSQL's decisions, set from the orders.
  | 'counter_resynced'
  // A stock lease (redis-lease) its holder never ended, ended by the reconciler: its unsold units back.
  | 'lease_given_back';

export interface Reconciliation {
  sku: string;
  action: ReconciliationAction;
  units: number;
  orderId?: string;
  detail?: string;
}

export async function recordReconciliation(db: Db, change: Reconciliation): Promise<void> {
  await db
    .insertInto('reconciliations')
    .values({ sku: change.sku, action: change.action, units: change.units, order_id: change.orderId ?? null, detail: change.detail ?? null })
    .execute();
}

export interface ReconciliationEvent {
  action: string;
  units: number;
  orderId: string | null;
  detail: string | null;
  at: string;
}

export interface ReconciliationSummary {
  givenBackDeductions: number;
  givenBackUnits: number;
  counterRebuilds: number;
  refusedOrders: number;
  refusedUnits: number;
  /** The newest changes first, at most `limit`. */
  latest: ReconciliationEvent[];
}

export async function reconciliationSummary(db: Db, sku: string, limit: number): Promise<ReconciliationSummary> {
  const totals = await db
    .selectFrom('reconciliations')
    .select([
      sql<string>`count(*) filter (where action = 'deduction_given_back')`.as('given_back'),
      sql<string>`coalesce(sum(units) filter (where action = 'deduction_given_back'), 0)`.as('given_back_units'),
      sql<string>`count(*) filter (where action in ('counter_rebuilt', 'counter_resynced'))`.as('rebuilds'),
      sql<string>`count(*) filter (where action = 'units_refused')`.as('refused'),
      sql<string>`coalesce(sum(units) filter (where action = 'units_refused'), 0)`.as('refused_units'),
    ])
    .where('sku', '=', sku)
    .executeTakeFirstOrThrow();
  const latest = await db
    .selectFrom('reconciliations')
    .select(['action', 'units', 'order_id', 'detail', 'at'])
    .where('sku', '=', sku)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  // count() and sum() are bigint: pg hands them back as strings.
  return {
    givenBackDeductions: Number(totals.given_back),
    givenBackUnits: Number(totals.given_back_units),
    counterRebuilds: Number(totals.rebuilds),
    refusedOrders: Number(totals.refused),
    refusedUnits: Number(totals.refused_units),
    latest: latest.map((row) => ({ action: row.action, units: row.units, orderId: row.order_id, detail: row.detail, at: new Date(row.at).toISOString() })),
  };
}
