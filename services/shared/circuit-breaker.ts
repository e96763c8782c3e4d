/** Thrown instead of calling a dependency the breaker holds open. */
export class CircuitOpenError extends Error {
  override readonly name = 'CircuitOpenError';
  constructor(readonly dependency: string) {
    super(`${dependency} is not answering; not tried again for a moment`);
  }
}

export interface CircuitBreaker {
  /** Throws CircuitOpenError while open; in half-open lets one caller through as the probe. */
  admit(): void;
  /** The dependency answered: close. */
  succeeded(): void;
  /** The dependency did not answer (a timeout or a refused connection, never a refusal it decided): open. */
  failed(): void;
  readonly state: 'closed' | 'open' | 'half-open';
}

/**
 * Fails fast for a dependency that stopped answering. Without it every
 * request waits out its own timeout against a stalled server (a paused
 * PostgreSQL held purchases for the whole 15 s pause); with it only the
 * requests already in flight wait, and the rest get a 503 at once. After
 * `cooldownMs` one request is let through as a probe: its success closes
 * the breaker, its failure opens it for another cooldown. A probe that says
 * nothing within `probeMs` (its caller's own timeout) no longer blocks others.
 */
export function createCircuitBreaker(dependency: string, settings: { cooldownMs: number; probeMs: number }, now: () => number = Date.now): CircuitBreaker {
  let failing = false;
  let openUntil = 0;
  let probeUntil = 0;
  return {
    admit() {
      if (!failing) return;
      const at = now();
      if (at < openUntil || at < probeUntil) throw new CircuitOpenError(dependency);
      probeUntil = at + settings.probeMs;
    },
    succeeded() {
      failing = false;
      probeUntil = 0;
    },
    failed() {
      failing = true;
      probeUntil = 0;
      openUntil = now() + settings.cooldownMs;
    },
    get state() {
      if (!failing) return 'closed';
      const at = now();
      return at < openUntil || at < probeUntil ? 'open' : 'half-open';
    },
  };
}
