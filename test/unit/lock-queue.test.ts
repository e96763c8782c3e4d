import { describe, expect, it } from 'vitest';
import { LockQueue } from '../../services/strategies/locks/lock-queue.js';

describe('lock queue', () => {
  it('admits up to its bound per SKU, refuses past it, and admits again as waiters leave', () => {
    const queue = new LockQueue(2);
    expect(queue.tryJoin('a')).toBe(true);
    expect(queue.tryJoin('a')).toBe(true);
    expect(queue.tryJoin('a')).toBe(false);
    // Another SKU has its own queue.
    expect(queue.tryJoin('b')).toBe(true);
    queue.leave('a');
    expect(queue.tryJoin('a')).toBe(true);
  });
});
