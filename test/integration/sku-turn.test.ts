import { afterAll, describe, expect, it } from 'vitest';
import { createSku } from '../../services/api/skus/sku-service.js';
import { SkuGate } from '../../services/strategies/common/sku-gate.js';
import { takeTurn } from '../../services/strategies/common/sku-turn.js';
import { StockSightings } from '../../services/strategies/common/stock-sightings.js';
import { testConfig, uniqueSku } from '../helpers/api.js';
import { openDb } from '../helpers/worker.js';
import { mainRedis } from '../helpers/redis.js';

// The front the lock and PostgreSQL strategies share (sku-turn.ts), against a
// real PostgreSQL: when a sighting stands in for a read, and when a buyer in
// line answers sold out because another here saw the stock run out.
const db = openDb();
const redis = mainRedis('sku-turn-test');
afterAll(async () => {
  await db.destroy();
  redis.disconnect();
});

const line = () => ({ gate: new SkuGate({ concurrency: 1, maxWaiters: 16 }), sightings: new StockSightings() });
const request = (sku: string, key: string) => ({ orderId: key, sku, userId: 'u', quantity: 1, idempotencyKey: key });
const soon = () => Date.now() + 2_000;

describe('takeTurn', () => {
  it('skips the read when a fresh sighting shows enough stock', async () => {
    // No such SKU in PostgreSQL: a read would answer unknown_sku.
    const sku = uniqueSku('sighted');
    const shared = line();
    shared.sightings.record(sku, 5);
    const turn = await takeTurn(db, shared, request(sku, 'a'), soon());
    expect(turn.kind).toBe('entered');
    if (turn.kind === 'entered') {
      expect(turn.freshRead).toBeUndefined();
      turn.leave();
    }
  });

  it('reads when there is no sighting, and answers an unknown SKU at once', async () => {
    const turn = await takeTurn(db, line(), request(uniqueSku('unknown'), 'a'), soon());
    expect(turn).toEqual({ kind: 'answered', outcome: { kind: 'unknown_sku' } });
  });

  it('a buyer waiting in line answers sold_out once the holder saw the stock run out', async () => {
    const sku = uniqueSku('sold-out-sighting');
    expect(await createSku(db, redis, sku, 1, {})).toMatchObject({ sku, stock: 1 });
    const shared = line();
    const first = await takeTurn(db, shared, request(sku, 'a'), soon());
    expect(first.kind).toBe('entered');
    // The second arrives while the first holds the turn, and waits.
    const second = takeTurn(db, shared, request(sku, 'b'), soon());
    // The holder sold the last unit: it records what it saw, then leaves.
    shared.sightings.record(sku, 0);
    if (first.kind === 'entered') first.leave();
    expect(await second).toEqual({ kind: 'answered', outcome: { kind: 'sold_out' } });
  });
});
