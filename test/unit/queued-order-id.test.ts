import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { queuedOrderIds } from '../../services/strategies/kafka-queue/queued-purchase.js';

const uuidV8 = /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('queued order ids', () => {
  const key = '3f1e7c9a-0000-4000-8000-000000000001';
  const deployment = { ADMIN_TOKEN: 'admin-token-of-one-deployment', ORDER_ID_SECRET: undefined };

  it('are the same for one key in every process of a deployment (the idempotent re-send depends on it)', () => {
    expect(queuedOrderIds(deployment)(key)).toBe(queuedOrderIds({ ...deployment })(key));
    expect(queuedOrderIds(deployment)(key)).toMatch(uuidV8);
  });

  it('cannot be computed from the key alone: not its plain SHA-256, and another secret gives another id', () => {
    const plain = createHash('sha256').update(key).digest('hex');
    const id = queuedOrderIds(deployment)(key);
    expect(id.replaceAll('-', '').slice(0, 12)).not.toBe(plain.slice(0, 12));
    expect(queuedOrderIds({ ...deployment, ORDER_ID_SECRET: 'another-secret-of-16+' })(key)).not.toBe(id);
    expect(queuedOrderIds({ ...deployment, ADMIN_TOKEN: 'another-admin-token-here' })(key)).not.toBe(id);
  });
});
