import { describe, expect, it } from 'vitest';
import { answerFor } from '../../services/api/purchases/answers.js';
import { requestHash } from '../../services/api/purchases/purchase-flow.js';
import { classifyDependencyFailure } from '../../services/shared/dependency-errors.js';

const facts = { sku: 'sku-1', userId: 'u', quantity: 2, strategy: 'pg-atomic' };

describe('answerFor: outcomes to HTTP in one place', () => {
  it('maps each outcome to its status, and says which answers are replayed', () => {
    const cases = [
      [{ kind: 'confirmed', orderId: 'o' }, 201, true],
      [{ kind: 'pending', orderId: 'o' }, 202, true],
      [{ kind: 'sold_out' }, 409, true],
      [{ kind: 'unknown_sku' }, 404, false],
      [{ kind: 'contended', reason: 'lock wait' }, 503, false],
      [{ kind: 'unavailable', dependency: 'redis', reason: 'down' }, 503, false],
    ] as const;
    for (const [outcome, status, final] of cases) {
      const answer = answerFor(outcome, facts);
      expect(answer.status, outcome.kind).toBe(status);
      expect(answer.final, outcome.kind).toBe(final);
    }
  });

  it('points a pending order at its status and asks 503 callers to come back', () => {
    expect(answerFor({ kind: 'pending', orderId: 'abc' }, facts).headers).toEqual({ location: '/v1/orders/abc' });
    expect(answerFor({ kind: 'contended', reason: 'x' }, facts).headers['retry-after']).toBe('1');
  });
});

describe('requestHash', () => {
  it('changes with the body but not with the strategy', () => {
    const base = { ...facts, idempotencyKey: 'k' };
    expect(requestHash(base)).toBe(requestHash({ ...base, strategy: 'redis-lua' }));
    expect(requestHash(base)).not.toBe(requestHash({ ...base, quantity: 3 }));
    expect(requestHash(base)).not.toBe(requestHash({ ...base, userId: 'v' }));
  });
});

describe('classifyDependencyFailure', () => {
  it('tells dependency trouble from bugs', () => {
    expect(classifyDependencyFailure(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toEqual({ kind: 'timeout', dependency: 'postgres' });
    expect(classifyDependencyFailure(new Error('timeout exceeded when trying to connect'))).toEqual({ kind: 'unavailable', dependency: 'postgres' });
    expect(classifyDependencyFailure(new Error('Connection is closed.'))).toEqual({ kind: 'unavailable', dependency: 'redis' });
    expect(classifyDependencyFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyDependencyFailure('not an error')).toBeUndefined();
  });
});
