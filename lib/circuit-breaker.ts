/**
 * A circuit breaker for one dependency, with no timers of its own. Without
 * one, every request waits out its own timeout against a dependency that
 * stopped answering (a paused PostgreSQL held purchases for the whole 15 s
 * pause; a down broker, 7-23 s); with one, only the calls already under way
 * wait, and the rest are refused at once.
 *
 * - closed: every call passes.
 * - open (after any failure): every call is refused at once for `cooldownMs`,
 *   so callers never queue behind a dependency known to be down.
 * - half-open (the cooldown is over): ONE call passes, the probe; others are
 *   refused until it ends. Its success closes the breaker, its failure opens
 *   it for another cooldown. A probe that reports nothing within `probeMs`
 *   (its caller's own bound) lapses, and the next call probes instead.
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

/** What a caller throws for a call its breaker refused; classified as the dependency being unavailable (503). */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(readonly dependency: string) {
    super(`${dependency} is not answering; not tried again for a moment`);
  }
}

type State = { kind: 'closed' } | { kind: 'open'; until: number } | { kind: 'half-open'; probe: Pass | undefined; probeUntil: number };

export function createCircuitBreaker(options: { cooldownMs: number; probeMs?: number; now?: () => number }): CircuitBreaker {
  const now = options.now ?? Date.now;
  const probeMs = options.probeMs ?? Number.POSITIVE_INFINITY;
  let state: State = { kind: 'closed' };
  const ordinary: Pass = { probe: false };

  /** Open turns half-open once its cooldown is over, and a silent probe lapses; read on every call, so no timer is needed. */
  function current(): State {
    const at = now();
    if (state.kind === 'open' && at >= state.until) state = { kind: 'half-open', probe: undefined, probeUntil: 0 };
    if (state.kind === 'half-open' && state.probe !== undefined && at >= state.probeUntil) state = { kind: 'half-open', probe: undefined, probeUntil: 0 };
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
      state = { kind: 'half-open', probe, probeUntil: now() + probeMs };
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
