import { describe, expect, it } from 'vitest';
import { CircuitOpenError, createCircuitBreaker } from '../../services/shared/circuit-breaker.js';

describe('circuit breaker', () => {
  it('stays closed until a failure, refuses during the cooldown, then lets one probe through', () => {
    let now = 0;
    const breaker = createCircuitBreaker('postgres', { cooldownMs: 1000, probeMs: 3000 }, () => now);
    breaker.admit();
    breaker.failed();
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    now = 1000;
    expect(breaker.state).toBe('half-open');
    breaker.admit(); // the probe
    expect(() => breaker.admit()).toThrow(/postgres is not answering/);
    breaker.succeeded();
    expect(breaker.state).toBe('closed');
    breaker.admit();
  });

  it('opens again when the probe fails, and a silent probe stops blocking after probeMs', () => {
    let now = 0;
    const breaker = createCircuitBreaker('redis', { cooldownMs: 1000, probeMs: 3000 }, () => now);
    breaker.failed();
    now = 1000;
    breaker.admit();
    breaker.failed();
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    now = 2000;
    breaker.admit(); // a probe that never reports
    now = 4999;
    expect(() => breaker.admit()).toThrow(CircuitOpenError);
    now = 5000;
    breaker.admit();
  });
});
