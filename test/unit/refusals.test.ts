import { describe, expect, it } from 'vitest';
import { dependencyProblem } from '../../services/api/problem.js';
import { problemAnswer } from '../../services/api/purchases/answers.js';
import { errorCodes, statusOf } from '../../services/shared/errors.js';
import { withRefusalsAsValues } from '../../services/strategies/refusals.js';
import type { PurchaseOutcome, Strategy } from '../../services/strategies/strategy.js';

const request = { orderId: 'o', sku: 's', userId: 'u', quantity: 1, idempotencyKey: 'k' };

/** A strategy whose purchase rejects with `error`: only the wrapper's behaviour is under test. */
function failingWith(error: unknown): Strategy {
  return {
    name: 'failing',
    description: '',
    safe: true,
    async: false,
    decidesIn: 'postgres',
    keepsStockIn: 'postgres',
    locksIn: 'none',
    holds: false,
    decidesPer: 'sale',
    spreadsStock: false,
    needs: [],
    refusalChecksKey: false,
    purchase: async (): Promise<PurchaseOutcome> => Promise.reject(error),
  };
}

describe('one channel for refusals', () => {
  it('turns the per-user CHECK that aborted the sale into the per_user_limit outcome', async () => {
    const check = Object.assign(new Error('violates check constraint'), { code: '23514', constraint: 'user_purchases_within_limit' });
    await expect(withRefusalsAsValues(failingWith(check)).purchase(request)).resolves.toEqual({ kind: 'per_user_limit' });
  });

  it('lets every other error through: another CHECK, a dependency failure, a bug', async () => {
    const otherCheck = Object.assign(new Error('violates check constraint'), { code: '23514', constraint: 'skus_stock_check' });
    await expect(withRefusalsAsValues(failingWith(otherCheck)).purchase(request)).rejects.toBe(otherCheck);
    const bug = new TypeError('x is undefined');
    await expect(withRefusalsAsValues(failingWith(bug)).purchase(request)).rejects.toBe(bug);
  });

  it('takes every status from the problem catalogue', () => {
    for (const code of errorCodes) expect(problemAnswer({ code, detail: 'd', extensions: {} }).status, code).toBe(statusOf(code));
  });

  it('maps a dependency failure the same way for the purchase flow and every other route', () => {
    expect(dependencyProblem({ kind: 'timeout', dependency: 'postgres' })).toEqual({ code: 'contended', detail: 'postgres did not answer in time', extensions: {} });
    expect(dependencyProblem({ kind: 'unavailable', dependency: 'redis' })).toEqual({ code: 'dependency_unavailable', detail: 'redis: did not answer', extensions: { dependency: 'redis' } });
    expect(problemAnswer(dependencyProblem({ kind: 'unavailable', dependency: 'etcd', reason: 'no leader' })).headers['retry-after']).toBe('1');
  });
});
