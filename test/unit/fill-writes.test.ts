import { describe, expect, it } from 'vitest';
import { FillWrites } from '../../services/strategies/redis-buckets/fill-writes.js';

describe('the writes of a fill', () => {
  it('settle once every order begun has ended, per fill; at once when none was begun', async () => {
    const writes = new FillWrites();
    const seen: string[] = [];
    await writes.settled('none');
    writes.begin('a');
    writes.begin('a');
    writes.begin('b');
    const a = writes.settled('a').then(() => seen.push('a'));
    const b = writes.settled('b').then(() => seen.push('b'));
    writes.end('a');
    await Promise.resolve();
    expect(seen).toEqual([]);
    writes.end('b');
    await b;
    expect(seen).toEqual(['b']);
    writes.end('a');
    await a;
    expect(seen).toEqual(['b', 'a']);
    // An end with nothing begun changes nothing.
    writes.end('a');
    await writes.settled('a');
  });
});
