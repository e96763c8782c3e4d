import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb } from '../../db/client.js';
import { admissionSecret, signAdmission } from '../../services/waiting-room/admission-token.js';
import { lineKeys, roomCopyKey } from '../../services/waiting-room/keys.js';
import type { MainRedis } from '../../services/shared/redis.js';
import { type Answer, type RunningApi, adminToken, createSku, joinLine, pollLine, purchase, startApi, startApiWithoutMainRedis, testConfig, uniqueSku, type WaitingRoomInput } from '../helpers/api.js';
import { mainRedis } from '../helpers/redis.js';
import { freePort } from '../helpers/processes.js';
import { until } from '../helpers/wait.js';

// The waiting room (services/waiting-room/) on the real stack, with two API
// processes sharing the line through the main Redis: the draw of the first
// seconds then first come first served, admission tokens (signed, one order
// each, refused forged, expired or someone else's), "sold out" told to
// everyone still waiting, and a line whose Redis is gone (closed: nobody new
// admitted, admitted buyers still buy).
const db = createDb({ connectionString: testConfig().DATABASE_URL, poolMax: 2, acquireTimeoutMs: 2000, statementTimeoutMs: 5000, applicationName: 'waiting-room-test' });
const secret = admissionSecret(testConfig());
let apis: RunningApi[];
let redis: MainRedis;
beforeAll(async () => {
  apis = await Promise.all([0, 1].map(() => startApi()));
  redis = mainRedis('waiting-room-test');
}, 60_000);
afterAll(async () => {
  await Promise.all(apis.map((api) => api.close()));
  redis.disconnect();
  await db.destroy();
});

const api = (i: number): RunningApi => apis[i % apis.length] as RunningApi;

async function roomSku(label: string, stock: number, room: WaitingRoomInput): Promise<string> {
  const sku = uniqueSku(label);
  const created = await createSku(api(0), sku, stock, adminToken, { waitingRoom: room });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return sku;
}

const ticketOf = (answer: Answer): string => answer.body.ticket as string;
const admissionOf = (answer: Answer): { token: string; idempotencyKey: string; expiresAt: string } => answer.body.admission as { token: string; idempotencyKey: string; expiresAt: string };

/** Polls (alternating processes) until the ticket is admitted. */
async function admitted(sku: string, ticket: string): Promise<Answer> {
  let n = 0;
  return until(`ticket ${ticket} admitted`, () => pollLine(api(n++), sku, ticket), (answer) => answer.body.state === 'admitted', 15_000, 100);
}

async function ordersOf(sku: string): Promise<number> {
  const row = await sql<{ n: string }>`select count(*) as n from orders where sku = ${sku}`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

describe('joining and the draw', () => {
  it('draws the places of the first seconds at random, then serves later arrivals in arrival order', async () => {
    const sku = await roomSku('wr-draw', 10, { admitPerSecond: 1000, drawSeconds: 5 });
    // 40 buyers at once, half through each process: every one the line answered "drawing" is in the draw.
    const joins = await Promise.all(Array.from({ length: 40 }, (_, i) => joinLine(api(i), sku, `drawn-${String(i).padStart(2, '0')}`)));
    for (const join of joins) expect(join.status, JSON.stringify(join.body)).toBe(201);
    const drawn = joins.filter((join) => join.body.state === 'drawing');
    // Forty requests take far less than the 5 s window; if this machine took longer, say so rather than pass.
    expect(drawn.length, 'joins answered inside the draw window').toBeGreaterThanOrEqual(20);
    // A second join by the same buyer gets its ticket again (200), not a second place.
    const again = await joinLine(api(1), sku, 'drawn-00');
    expect(again.status).toBe(200);
    expect(ticketOf(again)).toBe(ticketOf(joins[0] as Answer));

    // Later arrivals, once the window has ended (the line said when): in the order they came.
    const drawEndsAt = Date.parse(drawn[0]?.body.drawEndsAt as string);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, drawEndsAt - Date.now()) + 50));
    const later: Answer[] = [];
    for (let i = 0; i < 5; i += 1) later.push(await joinLine(api(i), sku, `later-${i}`));
    for (const join of later) expect(join.body.state === 'waiting' || join.body.state === 'admitted', JSON.stringify(join.body)).toBe(true);

    const [, order] = lineKeys(sku);
    const ranked = await redis.zrange(order, 0, -1);
    const drawnTickets = drawn.map(ticketOf);
    const laterTickets = later.map(ticketOf);
    // Drawn places are random numbers in [0, 1); a later arrival's is its ticket number, so it queues behind the draw.
    const scores = new Map((await redis.zrange(order, 0, -1, 'WITHSCORES')).flatMap((member, i, all) => (i % 2 === 0 ? [[member, Number(all[i + 1])] as const] : [])));
    for (const ticket of drawnTickets) expect(scores.get(ticket)).toBeLessThan(1);
    for (const ticket of laterTickets) expect(scores.get(ticket)).toBeGreaterThanOrEqual(1);
    expect(new Set(scores.values()).size, 'no two places alike').toBe(scores.size);
    // Every drawn arrival ahead of every later one, later ones in arrival order.
    expect(ranked.slice(ranked.length - laterTickets.length)).toEqual(laterTickets);
    expect(new Set(ranked.slice(0, drawnTickets.length))).toEqual(new Set(drawnTickets));
    // The draw's order is not the order the joins were sent in (the odds of that are 1 in 20! at least).
    expect(ranked.slice(0, drawnTickets.length)).not.toEqual(drawnTickets);
  });

  it('answers 409 no_waiting_room for a SKU sold without one, and 404 for an unknown SKU or ticket', async () => {
    const plain = uniqueSku('wr-none');
    await createSku(api(0), plain, 5);
    const none = await joinLine(api(1), plain, 'u1');
    expect(none.status).toBe(409);
    expect(none.headers.get('content-type')).toContain('application/problem+json');
    expect(none.body.code).toBe('no_waiting_room');
    expect((await joinLine(api(0), uniqueSku('wr-missing'), 'u1')).body.code).toBe('sku_not_found');
    const sku = await roomSku('wr-404', 5, { admitPerSecond: 10, drawSeconds: 0 });
    const missing = await pollLine(api(1), sku, 'no-such-ticket');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('ticket_not_found');
  });
});

describe('admission tokens', () => {
  it('admit one order: the same key replays it, another key is refused, and no second order is written', async () => {
    const sku = await roomSku('wr-once', 5, { admitPerSecond: 1000, drawSeconds: 0 });
    const join = await joinLine(api(0), sku, 'buyer-1');
    const admission = admissionOf(await admitted(sku, ticketOf(join)));
    expect(admission.idempotencyKey).toBe(ticketOf(join));
    const first = await purchase(api(1), { sku, userId: 'buyer-1', key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'pg-atomic' });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const replay = await purchase(api(0), { sku, userId: 'buyer-1', key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'pg-atomic' });
    expect(replay.status).toBe(201);
    expect(replay.body.orderId).toBe(first.body.orderId);
    const second = await purchase(api(1), { sku, userId: 'buyer-1', key: randomUUID(), admissionToken: admission.token, strategy: 'pg-atomic' });
    expect(second.status).toBe(403);
    expect(second.body.code).toBe('admission_invalid');
    expect(await ordersOf(sku)).toBe(1);
  });

  it('refuses a purchase without a token, and tokens forged, expired, of another buyer or of another SKU', async () => {
    const sku = await roomSku('wr-refused', 5, { admitPerSecond: 1000, drawSeconds: 0 });
    const other = await roomSku('wr-other', 5, { admitPerSecond: 1000, drawSeconds: 0 });
    const join = await joinLine(api(0), sku, 'buyer-1');
    const admission = admissionOf(await admitted(sku, ticketOf(join)));
    const key = admission.idempotencyKey;
    const buy = (input: { userId?: string; token?: string; sku?: string }) =>
      purchase(api(1), { sku: input.sku ?? sku, userId: input.userId ?? 'buyer-1', key, strategy: 'redis-lua', ...(input.token === undefined ? {} : { admissionToken: input.token }) });

    const none = await buy({});
    expect(none.status).toBe(403);
    expect(none.body).toMatchObject({ code: 'admission_required', line: `/v1/skus/${sku}/line` });
    const [version, payload, signature = ''] = admission.token.split('.');
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    const forgeries = [
      `${version}.${payload}.${flipped}`,
      // A payload of another buyer under the first one's signature.
      `${version}.${Buffer.from(JSON.stringify([sku, 'buyer-2', key, Date.now() + 60_000])).toString('base64url')}.${signature}`,
      // Signed with another secret.
      signAdmission(Buffer.from('not-the-secret-of-this-api'), { sku, userId: 'buyer-1', idempotencyKey: key, expiresAt: Date.now() + 60_000 }),
      'not-a-token',
    ];
    for (const token of forgeries) {
      const answer = await buy({ token });
      expect(answer.status, token).toBe(403);
      expect(answer.body.code).toBe('admission_invalid');
    }
    const expired = signAdmission(secret, { sku, userId: 'buyer-1', idempotencyKey: key, expiresAt: Date.now() - 1 });
    expect((await buy({ token: expired })).body).toMatchObject({ status: 403, code: 'admission_invalid' });
    expect(((await buy({ token: expired })).body.detail as string)).toContain('expired');
    expect((await buy({ token: admission.token, userId: 'buyer-2' })).body.code).toBe('admission_invalid');
    expect((await buy({ token: admission.token, sku: other })).body.code).toBe('admission_invalid');
    expect(await ordersOf(sku)).toBe(0);
    // And the genuine one, last, buys.
    expect((await buy({ token: admission.token })).status).toBe(201);
  });

  it('lets a SKU without a waiting room sell as before', async () => {
    const sku = uniqueSku('wr-plain');
    await createSku(api(0), sku, 2);
    expect((await purchase(api(1), { sku, strategy: 'redis-lua' })).status).toBe(201);
  });
});

describe('admission at the room\'s rate', () => {
  it('admits by place: the first places are admitted and later ones wait, their positions counting down', async () => {
    const sku = await roomSku('wr-rate', 100, { admitPerSecond: 2, drawSeconds: 0 });
    const tickets: string[] = [];
    for (let i = 0; i < 30; i += 1) tickets.push(ticketOf(await joinLine(api(i), sku, `b${i}`)));
    const last = await pollLine(api(1), sku, tickets[29] as string);
    expect(last.body.state).toBe('waiting');
    const firstPosition = last.body.position as number;
    expect(firstPosition).toBeGreaterThan(1);
    expect(last.body.estimatedWaitSeconds).toBeCloseTo(firstPosition / 2, 5);
    expect(last.body.pollAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(last.body.pollAfterSeconds).toBeLessThanOrEqual(2);
    // The head of the line is let in before the tail.
    const head = await admitted(sku, tickets[0] as string);
    expect(head.body.admission).not.toBeNull();
    const later = await until('the tail moves up', () => pollLine(api(0), sku, tickets[29] as string), (answer) => (answer.body.position as number) < firstPosition);
    expect(later.body.state).toBe('waiting');
  });
});

describe('auto admission', () => {
  let auto: RunningApi;
  beforeAll(async () => {
    // Starts slow, and counts every answer as fast: a purchase here cannot make it slow down by chance.
    auto = await startApi({ WAITING_ROOM_AUTO_START: '2', WAITING_ROOM_AUTO_LEAST: '1', WAITING_ROOM_P95_MS: '60000' });
  });
  afterAll(async () => {
    await auto.close();
  });

  it('admits more while admitted purchases answer well, and fewer once they are slow', async () => {
    const sku = await roomSku('wr-auto', 50, { admitPerSecond: 'auto', drawSeconds: 0 });
    const tickets: string[] = [ticketOf(await joinLine(auto, sku, 'b0'))];
    // Enough behind it that the last is still waiting when the rate has grown and fallen.
    tickets.push(...(await Promise.all(Array.from({ length: 99 }, (_, i) => joinLine(auto, sku, `b${i + 1}`)))).map(ticketOf));
    const rateOf = async (): Promise<number> => (await pollLine(auto, sku, tickets[99] as string)).body.admitPerSecond as number;
    expect(await rateOf()).toBe(2);
    const head = await until('the head admitted', () => pollLine(auto, sku, tickets[0] as string), (answer) => answer.body.state === 'admitted');
    const admission = admissionOf(head);
    expect((await purchase(auto, { sku, userId: 'b0', key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'pg-atomic' })).status).toBe(201);
    // The purchase's answer reaches the line (the process reports every 250 ms), and the next adjustment grows the rate by half.
    expect(await until('the rate grows', rateOf, (rate) => rate > 2)).toBe(3);
    // Answers slower than the target (as another process would report them): the rate halves.
    const [state] = lineKeys(sku);
    await redis.multi().hincrby(state, 'answers', 100).hincrby(state, 'slow', 100).exec();
    expect(await until('the rate falls', rateOf, (rate) => rate < 3)).toBe(1.5);
  });
});

describe('sold out, told to everyone waiting', () => {
  it('tells every ticket still waiting once a purchase was answered sold out, and lets them wait again after a restock', async () => {
    // 2 a second: the first places are let in within a second or two, the rest wait.
    const sku = await roomSku('wr-sold-out', 1, { admitPerSecond: 2, drawSeconds: 0 });
    const buyers = await Promise.all(Array.from({ length: 12 }, (_, i) => joinLine(api(i), sku, `buyer-${i}`)));
    const [one, two] = await Promise.all([admitted(sku, ticketOf(buyers[0] as Answer)), admitted(sku, ticketOf(buyers[1] as Answer))]);
    const buy = (answer: Answer, i: number, userId: string) => {
      const admission = admissionOf(answer);
      return purchase(api(i), { sku, userId, key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'redis-lua' });
    };
    expect((await buy(one as Answer, 0, 'buyer-0')).status).toBe(201);
    expect((await buy(two as Answer, 1, 'buyer-1')).body.code).toBe('sold_out');
    // The line has the flag before the buyer has its 409: every ticket not admitted yet hears it on its
    // next poll. (A ticket is admitted by a visit once the serving counter passes it, its join's included:
    // one the line said was admitted keeps its admission, and is left out here.)
    const waiting = buyers.slice(2).filter((join) => join.body.state !== 'admitted').map(ticketOf);
    expect(waiting.length, 'tickets still waiting at the sell-out').toBeGreaterThan(0);
    for (const [i, ticket] of waiting.entries()) {
      const seen = await until(`ticket ${i} told sold out`, () => pollLine(api(i), sku, ticket), (answer) => answer.body.state === 'sold_out');
      expect(seen.body).toMatchObject({ state: 'sold_out', admission: null, pollAfterSeconds: null });
    }
    // A new arrival is told at once.
    expect((await joinLine(api(1), sku, 'late')).body.state).toBe('sold_out');

    const restocked = await fetch(`${api(0).url}/v1/admin/skus/${sku}/restock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ units: 3 }),
    });
    expect(restocked.status).toBe(200);
    // Cleared by the restock before it answered: the line admits again, at its rate (none banked while it was sold out).
    const back = await admitted(sku, waiting[0] as string);
    expect((await buy(back, 1, 'buyer-2')).status).toBe(201);
  });
});

describe('one admission, one order', () => {
  it('replays a sale retried after its token lapsed, keeps the used ticket on a new join, and gives a new place to a buyer whose admission went unused', async () => {
    const sku = await roomSku('wr-lapse', 5, { admitPerSecond: 1000, drawSeconds: 0, tokenTtlSeconds: 5 });
    const [usedJoin, unusedJoin, queuedJoin] = [await joinLine(api(0), sku, 'buys'), await joinLine(api(1), sku, 'walks-away'), await joinLine(api(0), sku, 'queues')];
    const used = admissionOf(await admitted(sku, ticketOf(usedJoin as Answer)));
    await admitted(sku, ticketOf(unusedJoin as Answer));
    const queued = admissionOf(await admitted(sku, ticketOf(queuedJoin as Answer)));
    const bought = await purchase(api(0), { sku, userId: 'buys', key: used.idempotencyKey, admissionToken: used.token, strategy: 'pg-atomic' });
    expect(bought.status).toBe(201);
    // kafka-queue's 202: no order in PostgreSQL while no worker runs here; the line marks the ticket used.
    const accepted = await purchase(api(1), { sku, userId: 'queues', key: queued.idempotencyKey, admissionToken: queued.token, strategy: 'kafka-queue' });
    expect(accepted.status).toBe(202);
    // Past the admission's end and the grace after it, in which a purchase started in time still answers (the line said when).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Date.parse(used.expiresAt) - Date.now()) + Number(testConfig().PURCHASE_WAIT_MS) + 1100));
    const queuedAgain = await joinLine(api(0), sku, 'queues');
    expect(queuedAgain.body).toMatchObject({ ticket: ticketOf(queuedJoin as Answer), state: 'expired' });
    // Its retry after the lapse is replayed by the strategy (the 202 again), not refused.
    const queuedRetry = await purchase(api(0), { sku, userId: 'queues', key: queued.idempotencyKey, admissionToken: queued.token, strategy: 'kafka-queue' });
    expect(queuedRetry.status).toBe(202);
    expect(queuedRetry.body.orderId).toBe(accepted.body.orderId);
    const retried = await purchase(api(1), { sku, userId: 'buys', key: used.idempotencyKey, admissionToken: used.token, strategy: 'pg-atomic' });
    expect(retried.status).toBe(201);
    expect(retried.body.orderId).toBe(bought.body.orderId);
    // A lapsed token buys nothing new.
    expect((await purchase(api(1), { sku, userId: 'walks-away', key: ticketOf(unusedJoin as Answer), admissionToken: 'v1.x.y', strategy: 'pg-atomic' })).status).toBe(403);
    const again = await joinLine(api(1), sku, 'buys');
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ ticket: ticketOf(usedJoin as Answer), state: 'expired' });
    const fresh = await joinLine(api(0), sku, 'walks-away');
    expect(fresh.status).toBe(201);
    expect(ticketOf(fresh)).not.toBe(ticketOf(unusedJoin as Answer));
    // One order in PostgreSQL from the buyers of pg-atomic (kafka-queue's waits for a worker, none runs here).
    const rows = await sql<{ n: string }>`select count(*) as n from orders where sku = ${sku} and strategy = 'pg-atomic'`.execute(db);
    expect(Number(rows.rows[0]?.n)).toBe(1);
  });

  it('does not tell the line sold out when a purchase of more units than are left is refused', async () => {
    const sku = await roomSku('wr-short', 2, { admitPerSecond: 1000, drawSeconds: 0 });
    const join = await joinLine(api(0), sku, 'wants-3');
    const admission = admissionOf(await admitted(sku, ticketOf(join)));
    const short = await purchase(api(1), { sku, userId: 'wants-3', quantity: 3, key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'redis-lua' });
    expect(short.body.code).toBe('sold_out');
    const next = await joinLine(api(0), sku, 'wants-1');
    expect(next.body.state === 'waiting' || next.body.state === 'admitted').toBe(true);
    expect(await redis.exists(lineKeys(sku)[5])).toBe(0);
  });

  it('answers 404 for a purchase of a SKU that does not exist, without running the strategy', async () => {
    const answer = await purchase(api(0), { sku: uniqueSku('wr-nowhere'), strategy: 'redis-lua' });
    expect(answer.status).toBe(404);
    expect(answer.body.code).toBe('sku_not_found');
  });
});

describe('a line whose Redis is lost', () => {
  it('keeps serving when its state hash alone is lost: no error, and no new draw ahead of those waiting', async () => {
    const sku = await roomSku('wr-half', 5, { admitPerSecond: 1, drawSeconds: 0 });
    const first = await joinLine(api(0), sku, 'first');
    await redis.del(lineKeys(sku)[0]);
    const polled = await pollLine(api(1), sku, ticketOf(first));
    expect(polled.status, JSON.stringify(polled.body)).toBe(200);
    const second = await joinLine(api(0), sku, 'second');
    expect(second.status).toBe(201);
    expect(Number(await redis.zscore(lineKeys(sku)[1], ticketOf(second)))).toBeGreaterThanOrEqual(1);
    expect(await redis.zrange(lineKeys(sku)[1], 0, -1)).toEqual([ticketOf(first), ticketOf(second)]);
  });


  it('loses its tickets with the data: a poll says 404 ticket_not_found, and joining again gives a new place', async () => {
    const sku = await roomSku('wr-lost', 5, { admitPerSecond: 1000, drawSeconds: 0 });
    const join = await joinLine(api(0), sku, 'buyer-1');
    await redis.del(...lineKeys(sku));
    expect((await pollLine(api(1), sku, ticketOf(join))).body.code).toBe('ticket_not_found');
    const again = await joinLine(api(1), sku, 'buyer-1');
    expect(again.status).toBe(201);
    expect(ticketOf(again)).not.toBe(ticketOf(join));
  });

  describe('PostgreSQL down, where the room is set', () => {
    let noPostgres: RunningApi;
    beforeAll(async () => {
      noPostgres = await startApi({ DATABASE_URL: `postgres://nobody:nothing@127.0.0.1:${await freePort()}/none` });
    });
    afterAll(async () => {
      await noPostgres.close();
    });

    it('answers 503 when the room can be read from neither store, rather than sell unguarded', async () => {
      const sku = await roomSku('wr-no-copy', 5, { admitPerSecond: 1000, drawSeconds: 0 });
      await redis.del(roomCopyKey(sku));
      const answer = await purchase(noPostgres, { sku, strategy: 'redis-lua' });
      expect(answer.status).toBe(503);
      expect(answer.body.code).toBe('dependency_unavailable');
      // A process that reads PostgreSQL puts the copy back.
      expect((await purchase(api(1), { sku, strategy: 'redis-lua' })).body.code).toBe('admission_required');
      await until('the copy is back', () => redis.get(roomCopyKey(sku)), (copy) => copy !== null);
    });

    it('still knows a SKU has a room from its copy in Redis: no token, no sale', async () => {
      const sku = await roomSku('wr-no-pg', 5, { admitPerSecond: 1000, drawSeconds: 0 });
      const refused = await purchase(noPostgres, { sku, strategy: 'redis-lua' });
      expect(refused.status, JSON.stringify(refused.body)).toBe(403);
      expect(refused.body.code).toBe('admission_required');
      // The admitted still get through the gate (their order then needs PostgreSQL, which is out: 503).
      const admission = admissionOf(await admitted(sku, ticketOf(await joinLine(api(0), sku, 'buyer-1'))));
      const tried = await purchase(noPostgres, { sku, userId: 'buyer-1', key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'redis-lua' });
      expect(tried.status).toBe(503);
    });
  });

  describe('down', () => {
    let broken: RunningApi;
    beforeAll(async () => {
      broken = await startApiWithoutMainRedis();
    });
    afterAll(async () => {
      await broken.close();
    });

    it('fails closed: joining and polling answer 503, nobody is let in without a token, and a buyer admitted before still buys', async () => {
      const sku = await roomSku('wr-down', 5, { admitPerSecond: 1000, drawSeconds: 0 });
      const join = await joinLine(api(0), sku, 'buyer-1');
      const admission = admissionOf(await admitted(sku, ticketOf(join)));

      const joinDown = await joinLine(broken, sku, 'buyer-2');
      expect(joinDown.status).toBe(503);
      expect(joinDown.body.code).toBe('dependency_unavailable');
      expect(joinDown.headers.get('retry-after')).not.toBeNull();
      expect((await pollLine(broken, sku, ticketOf(join))).status).toBe(503);
      expect((await purchase(broken, { sku, userId: 'buyer-2', strategy: 'pg-atomic' })).body.code).toBe('admission_required');
      // pg-atomic needs no Redis: the token, checked with the secret alone, is all the line adds.
      const bought = await purchase(broken, { sku, userId: 'buyer-1', key: admission.idempotencyKey, admissionToken: admission.token, strategy: 'pg-atomic' });
      expect(bought.status, JSON.stringify(bought.body)).toBe(201);
    });
  });
});
