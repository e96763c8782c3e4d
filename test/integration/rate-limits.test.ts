import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { type RunningApi, countBy, createSku, purchase, startApi, testConfig, uniqueSku } from '../helpers/api.js';
import { spawnApi, type ChildService } from '../helpers/processes.js';

// The bot guard: purchases per buyer and per address in a window, counted in
// Redis, so two API processes share one count. A window of a minute, so the
// test does not depend on how fast the machine sends.
const perBuyer = 3;
const perAddress = 8;
const limits = { RATE_LIMIT_PER_BUYER: String(perBuyer), RATE_LIMIT_PER_ADDRESS: String(perAddress), RATE_LIMIT_WINDOW_MS: '60000' };
let api: RunningApi;
let second: ChildService;
const redis = new Redis(testConfig().REDIS_URLS.split(',')[0] ?? '');

/** Every test here buys from 127.0.0.1: its address count starts from zero in each run (a run within the last minute left one). */
async function forgetAddressCounts(): Promise<void> {
  const keys = await redis.keys('fsi:rate-limit:*address:127.0.0.1');
  if (keys.length > 0) await redis.del(...keys);
}

beforeAll(async () => {
  await forgetAddressCounts();
  api = await startApi(limits);
  second = await spawnApi(limits);
});
afterAll(async () => {
  await Promise.all([api.close(), second.stop()]);
  await forgetAddressCounts();
  await redis.quit();
});

describe('limits per client', () => {
  it('a buyer past its limit gets 429 rate_limited with Retry-After, counted across two API processes', async () => {
    const sku = uniqueSku('rate-buyer');
    await createSku(api, sku, 100);
    const userId = `bot-${randomUUID().slice(0, 8)}`;
    const answers = [];
    // Sequential and alternating between the processes: the count is shared, not per process.
    for (let i = 0; i < perBuyer + 2; i += 1) answers.push(await purchase(i % 2 === 0 ? api : second, { sku, userId, strategy: 'pg-atomic' }));
    expect(countBy(answers)).toEqual({ 201: perBuyer, 429: 2 });
    const refused = answers.find((answer) => answer.status === 429);
    expect(refused?.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused?.body).toMatchObject({ code: 'rate_limited', status: 429 });
  });

  it('one address past its limit gets 429 whatever buyer it names', async () => {
    const sku = uniqueSku('rate-address');
    await createSku(api, sku, 100);
    // A fresh address's count: this test's earlier purchases came from the same 127.0.0.1, so count what is left.
    const answers = [];
    for (let i = 0; i < perAddress + 2; i += 1) answers.push(await purchase(second, { sku, userId: `u-${randomUUID().slice(0, 8)}`, strategy: 'pg-atomic' }));
    expect(answers.at(-1)?.status).toBe(429);
    expect(answers.at(-1)?.body).toMatchObject({ code: 'rate_limited' });
    expect(answers.filter((answer) => answer.status === 201).length).toBeLessThanOrEqual(perAddress);
  });

  it('is off by default: one buyer buys as often as the stock and its limit allow', async () => {
    const plain = await startApi();
    try {
      const sku = uniqueSku('rate-off');
      await createSku(plain, sku, 50);
      const userId = `u-${randomUUID().slice(0, 8)}`;
      const answers = await Promise.all(Array.from({ length: 20 }, () => purchase(plain, { sku, userId, strategy: 'pg-atomic' })));
      expect(countBy(answers)).toEqual({ 201: 20 });
    } finally {
      await plain.close();
    }
  });
});
