/**
 * A circuit breaker for one dependency, with no timers of its own.
 *
 * - closed: every call passes.
 * - open (after any failure): every call is refused at once for `cooldownMs`,
 *   so callers never queue behind a dependency known to be down.
 * - half-open (the cooldown is over): ONE call passes, the probe; others are
 *   refused until it ends. Its success closes the breaker, its failure opens
 *   it for another cooldown.
 *
 * A pass is a token: only the probe's own success closes the breaker, so a
 * slow call that started before a failure cannot close it by succeeding late.
 */
export interface CircuitBreaker {
  /** Whether a call would pass now; takes nothing (a cheap look before doing work for a call). */
  allows(): boolean;
  /** Takes a pass, or undefined when refused. In half-open the taker is the probe. */
  tryPass(): Pass | undefined;
  succeeded(pass: Pass): void;
  failed(): void;
}

export interface Pass {
  readonly probe: boolean;
}

type State = { kind: 'closed' } | { kind: 'open'; until: number } | { kind: 'half-open'; probe: Pass | undefined };

export function createCircuitBreaker(options: { cooldownMs: number; now?: () => number }): CircuitBreaker {
  const now = options.now ?? Date.now;
  let state: State = { kind: 'closed' };
  const ordinary: Pass = { probe: false };

  /** Open turns half-open once its cooldown is over; read on every call, so no timer is needed. */
  function current(): State {
    if (state.kind === 'open' && now() >= state.until) state = { kind: 'half-open', probe: undefined };
    return state;
  }

  return {
    allows() {
      const s = current();
      return s.kind === 'closed' || (s.kind === 'half-open' && s.probe === undefined);
    },
    tryPass() {
      const s = current();
      if (s.kind === 'closed') return ordinary;
      if (s.kind === 'open' || s.probe !== undefined) return undefined;
      const probe: Pass = { probe: true };
      state = { kind: 'half-open', probe };
      return probe;
    },
    succeeded(pass) {
      const s = current();
      if (s.kind === 'half-open' && s.probe === pass) state = { kind: 'closed' };
    },
    failed() {
      state = { kind: 'open', until: now() + options.cooldownMs };
    },
  };
}
