import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { closeLease, openLease } from '../../db/queries/leases.js';
import { insertUnitOrders, type UnitOrder } from '../../db/queries/orders.js';
import { type Answer, type AuditBody, type RunningApi, audit, countBy, createSku, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { type ChildService, spawnApi } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

// redis-lease on the real stack: the lease's fence in PostgreSQL, a holder
// killed with units in its lease, and a holder stopped past its lease's
// lifetime that resumes and tries to sell from it.
const strategy = 'redis-lease';
// Its leases' ledger (services/strategies/redis-lease/index.ts).
const ledger = 'leases';
const db = createDb({ connectionString: testConfig().DATABASE_URL, poolMax: 4, acquireTimeoutMs: 2000, statementTimeoutMs: 10_000, applicationName: 'redis-lease-test' });
let reconciling: RunningApi;
beforeAll(async () => {
  reconciling = await startApi();
}, 60_000);
afterAll(async () => {
  await reconciling.close();
  await db.destroy();
});

const unitOrder = (sku: string, units: string): UnitOrder => ({ id: randomUUID(), sku, userId: `u-${randomUUID()}`, quantity: 1, strategy, idempotencyKey: randomUUID(), units });

describe('a lease fence in PostgreSQL', () => {
  it('makes a close wait for an order of the lease being written, then refuses the next one; unsold = units no order holds', async () => {
    const sku = uniqueSku('fence');
    expect((await createSku(reconciling, sku, 10)).status).toBe(201);
    const lease = { id: randomUUID(), sku, units: '{[1,6)}', ledger };
    expect(await openLease(db, lease)).toBe(true);
    // An order of unit 1 written in a transaction left open: its INSERT holds the lease row FOR SHARE.
    let commit: () => void = () => undefined;
    const committed = new Promise<void>((resolve) => (commit = resolve));
    const writing = db.transaction().execute(async (trx) => {
      expect((await insertUnitOrders(trx, [unitOrder(sku, '{[1,2)}')], lease.id)).size).toBe(1);
      await committed;
    });
    await until('the order holds the lease row', async () => (await sql<{ n: string }>`select count(*) as n from pg_locks l join pg_class c on c.oid = l.relation where c.relname = 'leases' and l.mode = 'RowShareLock' and l.granted`.execute(db)).rows[0]?.n, (n) => Number(n) > 0);
    const closing = closeLease(db, lease);
    // The close waits on that row lock: seen in pg_stat_activity, not guessed from time.
    await until('the close waits for the order', async () => (await sql<{ n: string }>`select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into leases%'`.execute(db)).rows[0]?.n, (n) => Number(n) > 0);
    commit();
    await writing;
    expect(await closing).toBe('{[2,6)}');
    // Closed: an order of the lease is refused, the lease cannot open again, closing again finds the same.
    expect((await insertUnitOrders(db, [unitOrder(sku, '{[2,3)}')], lease.id)).size).toBe(0);
    expect(await openLease(db, lease)).toBe(false);
    expect(await closeLease(db, lease)).toBe('{[2,6)}');
    // A unit outside the lease is refused while it is open.
    const other = { id: randomUUID(), sku, units: '{[6,8)}', ledger };
    expect(await openLease(db, other)).toBe(true);
    expect((await insertUnitOrders(db, [unitOrder(sku, '{[9,10)}')], other.id)).size).toBe(0);
    expect(await closeLease(db, other)).toBe('{[6,8)}');
  });
});

describe('a lease holding units another order holds (Redis lost writes and handed them out again)', () => {
  it('sells none of them, gives none back to the counter, and leaves skus.stock counting each sale once', async () => {
    const sku = uniqueSku('relent');
    expect((await createSku(reconciling, sku, 20)).status).toBe(201);
    const stockOf = async () => (await db.selectFrom('skus').select('stock').where('sku', '=', sku).executeTakeFirstOrThrow()).stock;
    const first = { id: randomUUID(), sku, units: '{[10,12)}', ledger };
    expect(await openLease(db, first)).toBe(true);
    expect(await stockOf()).toBe(18);
    expect((await insertUnitOrders(db, [unitOrder(sku, '{[10,11)}')], first.id)).size).toBe(1);
    expect(await closeLease(db, first)).toBe('{[11,12)}');
    expect(await stockOf()).toBe(19);
    // The same unit 10 leased again: its order is refused, and the close finds it sold (not by this lease).
    const again = { id: randomUUID(), sku, units: '{[10,11)}', ledger };
    expect(await openLease(db, again)).toBe(true);
    await expect(insertUnitOrders(db, [unitOrder(sku, '{[10,11)}')], again.id)).rejects.toMatchObject({ constraint: 'sold_units_pkey' });
    expect(await closeLease(db, again)).toBe('{}');
    expect(await stockOf()).toBe(19);
    const body = (await audit(reconciling, sku)).body;
    expect(body).toMatchObject({ confirmedUnits: 1, leasedUnits: 3, returnedUnits: 2, liveLeasedUnits: 0, pgStock: 19 });
  });
});

describe('a lease Redis no longer lists (its data lost with its holder)', () => {
  it('is found open in PostgreSQL and closed: its sale stands, skus.stock gets the rest back', async () => {
    const sku = uniqueSku('forgotten');
    expect((await createSku(reconciling, sku, 10)).status).toBe(201);
    const lease = { id: randomUUID(), sku, units: '{[1,4)}', ledger };
    expect(await openLease(db, lease)).toBe(true);
    expect((await insertUnitOrders(db, [unitOrder(sku, '{[1,2)}')], lease.id)).size).toBe(1);
    // Taken long ago, and never in Redis: only the sweep of open leases can find it.
    await sql`update leases set taken_at = now() - interval '1 hour' where id = ${lease.id}::uuid`.execute(db);
    const body = await until('the forgotten lease is closed', async () => (await audit(reconciling, sku)).body, (value) => value.liveLeasedUnits === 0, 10_000);
    expect(body).toMatchObject({ confirmedUnits: 1, leasedUnits: 3, returnedUnits: 2, pgStock: 9 });
    const rows = await db.selectFrom('reconciliations').select(['action', 'units']).where('sku', '=', sku).execute();
    // Redis had no record of it: nothing went back to the counter (a rebuild would count those units free).
    expect(rows).toEqual([{ action: 'lease_given_back', units: 0 }]);
  });
});

// A holder that never gives a lease back by itself (idle and age far off) and whose lease lapses in 1.5 s:
// only the reconciler of another process can end it. LEASE_SPREAD 1 and a rate window longer than the test
// size a lease by the holder's buyers so far: after a few, the next lease holds more than one buyer takes.
const holderEnv = { LEASE_IDLE_MS: '60000', LEASE_MAX_AGE_MS: '60000', LEASE_LIFETIME_MS: '1500', LEASE_SPREAD: '1', LEASE_TARGET_MS: '60000', SOLD_OUT_MEMORY_TTL_MS: '0' };

interface Held {
  sku: string;
  sold: number;
  live: number;
}

/** Buyers at the holder until its lease holds units no buyer took (how many depends on how the first ones arrived). */
async function holding(holder: { url: string }, stock: number): Promise<Held> {
  const sku = uniqueSku('held');
  expect((await createSku(reconciling, sku, stock)).status).toBe(201);
  const burst = await Promise.all(Array.from({ length: 6 }, () => purchase(holder, { sku, strategy })));
  expect(countBy(burst)).toEqual({ 201: 6 });
  let sold = 6;
  const body = await until('the holder keeps units in a lease', async () => {
    expect((await purchase(holder, { sku, strategy })).status).toBe(201);
    sold += 1;
    return (await audit(reconciling, sku)).body;
  }, (value) => Number(value.liveLeasedUnits) > 0, 8000, 0);
  // Nothing was given back yet: every unit leased is sold or still in the holder's lease.
  expect(body).toMatchObject({ confirmedUnits: sold, leasedUnits: sold + Number(body.liveLeasedUnits), redisStock: stock - sold - Number(body.liveLeasedUnits), consistent: true });
  return { sku, sold, live: Number(body.liveLeasedUnits) };
}

/** Every unit leased is sold, back, or in a live lease: what the audit's lease figures must add up to. */
function accountsForEveryUnit(body: AuditBody): void {
  expect(Number(body.leasedUnits), JSON.stringify(body)).toBe(Number(body.confirmedUnits) + Number(body.returnedUnits) + Number(body.liveLeasedUnits));
}

describe('a lease whose holder does not end it', () => {
  let holder: ChildService | undefined;
  afterAll(async () => {
    if (holder !== undefined && holder.process.exitCode === null) holder.process.kill('SIGKILL');
  });

  it('after kill -9: the reconciler of another process gives its unsold units back, its sales stand, and they sell again', async () => {
    holder = await spawnApi(holderEnv);
    const stock = 30;
    const { sku, sold, live } = await holding(holder, stock);
    holder.process.kill('SIGKILL');
    const after = await until('the lapsed lease is ended', async () => (await audit(reconciling, sku)).body, (body) => body.liveLeasedUnits === 0 && body.consistent === true, 15_000);
    expect(after).toMatchObject({ confirmedUnits: sold, returnedUnits: live, redisStock: stock - sold, oversoldUnits: 0 });
    accountsForEveryUnit(after);
    const rows = await db.selectFrom('reconciliations').select(['action', 'units']).where('sku', '=', sku).execute();
    expect(rows).toEqual([{ action: 'lease_given_back', units: live }]);
    const rest: Answer[] = await Promise.all(Array.from({ length: stock }, () => purchase(reconciling, { sku, strategy })));
    expect(countBy(rest)).toEqual({ 201: stock - sold, 409: sold });
  });

  it('after SIGSTOP past its lifetime: its lease is closed under it, and on SIGCONT its buyers get units of a new lease, none sold twice', async () => {
    holder = await spawnApi(holderEnv);
    const stopped = holder;
    const stock = 30;
    const { sku, sold, live } = await holding(stopped, stock);
    stopped.process.kill('SIGSTOP');
    try {
      await until("the stopped holder's lease is ended", async () => (await audit(reconciling, sku)).body, (body) => body.returnedUnits === live && body.consistent === true, 15_000);
    } finally {
      stopped.process.kill('SIGCONT');
    }
    // The holder still has units of a lease it believes is open: PostgreSQL refuses their orders, and its
    // buyers take units of a new lease (the counter hands the returned ones out first).
    // Right after SIGCONT the process counts the stop as loop lag, so the first answers may be 503s past
    // the buyers' deadline (loop-lag.ts); a buyer retries with its key, as a client would.
    const late = await Promise.all(
      Array.from({ length: 4 }, () => {
        const key = randomUUID();
        const userId = `late-${key}`;
        return until('a late buyer of the stopped holder', () => purchase(stopped, { sku, strategy, key, userId }), (answer) => answer.status !== 503, 8000);
      }),
    );
    expect(countBy(late)).toEqual({ 201: 4 });
    const units = await sql<{ units: string }>`select units::text from orders where sku = ${sku} and units is not null`.execute(db);
    expect(units.rows).toHaveLength(sold + 4);
    const overlapping = await sql<{ n: string }>`select count(*) as n from orders a join orders b on a.sku = b.sku and a.id < b.id and a.units && b.units where a.sku = ${sku}`.execute(db);
    expect(overlapping.rows[0]?.n).toBe('0');
    stopped.process.kill('SIGKILL');
    const settled = await until("the holder's last lease is ended", async () => (await audit(reconciling, sku)).body, (body) => body.liveLeasedUnits === 0 && body.consistent === true, 15_000);
    expect(settled).toMatchObject({ confirmedUnits: sold + 4, oversoldUnits: 0, redisStock: stock - sold - 4 });
    accountsForEveryUnit(settled);
  });
});
