import { describe, expect, it } from 'vitest';
import { answerFor, replayAnswer } from '../../services/api/purchases/answers.js';
import { CircuitOpenError } from '../../lib/circuit-breaker.js';
import { PoolBusyError } from '../../db/errors.js';
import { classifyDependencyFailure } from '../../services/shared/dependency-errors.js';

const facts = { sku: 'sku-1', userId: 'u', quantity: 2, strategy: 'pg-atomic' };

describe('answerFor: outcomes to HTTP in one place', () => {
  it('maps each outcome to its status', () => {
    const cases = [
      [{ kind: 'confirmed', orderId: 'o' }, 201],
      [{ kind: 'pending', orderId: 'o' }, 202],
      [{ kind: 'sold_out' }, 409],
      [{ kind: 'unknown_sku' }, 404],
      [{ kind: 'contended', reason: 'lock wait' }, 503],
      [{ kind: 'unavailable', dependency: 'redis', reason: 'down' }, 503],
    ] as const;
    for (const [outcome, status] of cases) expect(answerFor(outcome, facts).status, outcome.kind).toBe(status);
  });

  it('points a pending order at its status and asks 503 callers to come back', () => {
    expect(answerFor({ kind: 'pending', orderId: 'abc' }, facts).headers).toEqual({ location: '/v1/orders/abc' });
    expect(answerFor({ kind: 'contended', reason: 'x' }, facts).headers['retry-after']).toBe('1');
  });
});

describe('replayAnswer', () => {
  const earlier = { orderId: 'o', ...facts };
  it('gives the first answer again, marked as a replay', () => {
    expect(replayAnswer(earlier, facts, false)).toEqual({
      status: 201,
      body: { orderId: 'o', status: 'confirmed', sku: 'sku-1', userId: 'u', quantity: 2, strategy: 'pg-atomic' },
      headers: { 'idempotent-replayed': 'true' },
    });
    // An asynchronous strategy's first answer was 202 with the order's Location, whatever the order's status is now.
    const queued = replayAnswer({ ...earlier, strategy: 'kafka-queue' }, facts, true);
    expect(queued.status).toBe(202);
    expect(queued.headers).toEqual({ location: '/v1/orders/o', 'idempotent-replayed': 'true' });
  });

  it('answers 422 when the body differs in sku, userId or quantity, and ignores the strategy', () => {
    for (const change of [{ sku: 'other' }, { userId: 'v' }, { quantity: 3 }]) {
      expect(replayAnswer(earlier, { ...facts, ...change }, false).status, JSON.stringify(change)).toBe(422);
    }
    const { strategy: _first, ...body } = facts;
    expect(replayAnswer({ ...earlier, strategy: 'redis-lua' }, body, false).status).toBe(201);
  });
});

describe('classifyDependencyFailure', () => {
  it('tells dependency trouble from bugs', () => {
    expect(classifyDependencyFailure(Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }))).toEqual({ kind: 'timeout', dependency: 'postgres' });
    // A full pool is load, not an outage, and the buyer is told which.
    expect(classifyDependencyFailure(new Error('timeout exceeded when trying to connect'))).toMatchObject({ kind: 'unavailable', dependency: 'postgres', reason: expect.stringContaining('busy') });
    // The guarded pool's own refusal carries what it saw, typed: nothing parses it back out of a message.
    expect(classifyDependencyFailure(new PoolBusyError('12 requests wait for a connection'))).toEqual({ kind: 'unavailable', dependency: 'postgres', reason: 'busy: 12 requests wait for a connection' });
    expect(classifyDependencyFailure(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toEqual({ kind: 'unavailable', dependency: 'unknown' });
    expect(classifyDependencyFailure(new CircuitOpenError('postgres'))).toMatchObject({ kind: 'unavailable', dependency: 'postgres', reason: expect.stringContaining('circuit open') });
    expect(classifyDependencyFailure(new Error('Query read timeout'))).toEqual({ kind: 'unavailable', dependency: 'postgres' });
    expect(classifyDependencyFailure(new Error('Connection is closed.'))).toEqual({ kind: 'unavailable', dependency: 'redis' });
    expect(classifyDependencyFailure(new TypeError('x is undefined'))).toBeUndefined();
    expect(classifyDependencyFailure('not an error')).toBeUndefined();
  });
});
