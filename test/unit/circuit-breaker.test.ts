import { describe, expect, it } from 'vitest';
import { CircuitOpenError, createCircuitBreaker } from '../../lib/circuit-breaker.js';

function breakerAt(cooldownMs: number): { breaker: ReturnType<typeof createCircuitBreaker>; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { breaker: createCircuitBreaker({ cooldownMs, now: () => now }), advance: (ms) => (now += ms) };
}

describe('circuit breaker', () => {
  it('lets every call pass while closed', () => {
    const { breaker } = breakerAt(1000);
    expect(breaker.allows()).toBe(true);
    expect(breaker.tryPass()).toMatchObject({ probe: false });
    expect(breaker.tryPass()).toMatchObject({ probe: false });
  });

  it('refuses at once for the cooldown after a failure, then lets exactly one probe through', () => {
    const { breaker, advance } = breakerAt(1000);
    breaker.failed();
    expect(breaker.allows()).toBe(false);
    expect(breaker.tryPass()).toBeUndefined();
    advance(999);
    expect(breaker.tryPass()).toBeUndefined();
    advance(1);
    expect(breaker.allows()).toBe(true);
    const probe = breaker.tryPass();
    expect(probe).toMatchObject({ probe: true });
    // While the probe is out, everyone else is refused.
    expect(breaker.allows()).toBe(false);
    expect(breaker.tryPass()).toBeUndefined();
    breaker.succeeded(probe ?? { probe: true });
    expect(breaker.tryPass()).toMatchObject({ probe: false });
  });

  it('opens again for a whole cooldown when the probe fails', () => {
    const { breaker, advance } = breakerAt(500);
    breaker.failed();
    advance(500);
    expect(breaker.tryPass()).toMatchObject({ probe: true });
    breaker.failed();
    advance(499);
    expect(breaker.allows()).toBe(false);
    advance(1);
    expect(breaker.allows()).toBe(true);
  });

  it('is not closed by a call that passed before the failure and succeeds late', () => {
    const { breaker, advance } = breakerAt(500);
    const early = breaker.tryPass();
    breaker.failed();
    breaker.succeeded(early ?? { probe: false });
    expect(breaker.allows()).toBe(false);
    advance(500);
    const probe = breaker.tryPass();
    breaker.succeeded(early ?? { probe: false });
    expect(breaker.tryPass()).toBeUndefined();
    breaker.succeeded(probe ?? { probe: true });
    expect(breaker.allows()).toBe(true);
  });
});

describe('circuit breaker with a probe bound', () => {
  it('lets another call probe when the probe says nothing within probeMs', () => {
    let now = 0;
    const breaker = createCircuitBreaker({ cooldownMs: 1000, probeMs: 3000, now: () => now });
    breaker.failed();
    now = 1000;
    expect(breaker.tryPass()).toMatchObject({ probe: true });
    now = 3999;
    expect(breaker.tryPass()).toBeUndefined();
    now = 4000;
    const second = breaker.tryPass();
    expect(second).toMatchObject({ probe: true });
    breaker.succeeded(second ?? { probe: true });
    expect(breaker.allows()).toBe(true);
  });

  it('names its dependency in the error a refused caller throws', () => {
    expect(new CircuitOpenError('postgres').message).toMatch(/postgres is not answering/);
  });
});
