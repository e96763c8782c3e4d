/**
 * What each strategy costs PostgreSQL per answer: writing transactions (xids
 * assigned; reads take none) and WAL flushes (fsyncs, shared by commits that
 * land together), per sale and per refusal, read from PostgreSQL's own
 * counters around a fixed number of purchases against an API and a worker in
 * this process. Every writer counts, the worker's batches, the outbox relay and
 * the redis-lua catch-up included: they are the strategy's cost too.
 * Run: npm run bench:write-cost [-- strategy,strategy]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { auditWhen, countBy, createSku, purchase, startApi, uniqueSku } from '../harness/api.js';
import { openDb, startInProcessWorker } from '../harness/worker.js';

const purchases = 1000;
// The API's natural concurrency under the compare's closed loop.
const concurrency = 64;

const db = openDb();
const api = await startApi();
const worker = await startInProcessWorker();

interface Counters {
  xid: bigint;
  walSyncs: bigint;
}

async function counters(): Promise<Counters> {
  // pg_current_snapshot() assigns no xid itself: xmax moves only with writing transactions.
  const { rows } = await sql<{ xid: string; wal_sync: string }>`
    select pg_snapshot_xmax(pg_current_snapshot())::text as xid, (select wal_sync from pg_stat_wal)::text as wal_sync`.execute(db);
  const row = rows[0];
  if (row === undefined) throw new Error('no counters');
  return { xid: BigInt(row.xid), walSyncs: BigInt(row.wal_sync) };
}

async function run(strategy: string, sku: string): Promise<Record<number, number>> {
  const answers: Record<number, number> = {};
  for (let done = 0; done < purchases; done += concurrency) {
    const wave = await Promise.all(Array.from({ length: Math.min(concurrency, purchases - done) }, () => purchase(api, { sku, strategy })));
    for (const [status, count] of Object.entries(countBy(wave))) answers[Number(status)] = (answers[Number(status)] ?? 0) + count;
  }
  // Whatever the worker or a catch-up still has to write for these answers belongs to them.
  await auditWhen(api, sku, (body) => body.pendingUnits === 0 && (body.unitsNotInPgStock ?? 0) === 0 && body.outboxBacklog === 0, 60_000);
  await sleep(300);
  return answers;
}

async function measure(strategy: string, stock: number): Promise<string> {
  const sku = uniqueSku(`cost-${strategy}`);
  await createSku(api, sku, stock);
  if (stock === 1) {
    // Sell the one unit, and wait until the strategy refuses (kafka-queue: the worker's flag).
    await purchase(api, { sku, strategy });
    await auditWhen(api, sku, (body) => body.pendingUnits === 0 && (body.unitsNotInPgStock ?? 0) === 0 && body.outboxBacklog === 0, 60_000);
    while ((await purchase(api, { sku, strategy })).status !== 409) await sleep(100);
  }
  const before = await counters();
  const answers = await run(strategy, sku);
  const after = await counters();
  const answered = Object.values(answers).reduce((sum, n) => sum + n, 0);
  const per = (delta: bigint) => (Number(delta) / answered).toFixed(2);
  return `${per(after.xid - before.xid)} writes · ${per(after.walSyncs - before.walSyncs)} fsyncs  (${JSON.stringify(answers)})`;
}

async function registered(): Promise<string[]> {
  const body = (await (await fetch(`${api.url}/v1/strategies`)).json()) as Array<{ name: string }>;
  return body.map((strategy) => strategy.name);
}

const listed = process.argv[2]?.split(',') ?? (await registered());
console.log(`${purchases} purchases per row, ${concurrency} at a time; per answer:`);
try {
  for (const strategy of listed) {
    const selling = await measure(strategy, 1_000_000);
    const refusing = await measure(strategy, 1);
    console.log(`${strategy.padEnd(15)} selling ${selling}\n${''.padEnd(15)} refusing ${refusing}`);
  }
} finally {
  await worker.stop();
  await api.close();
  await db.destroy();
}
