/**
 * How late this process's event loop runs, now. A request that arrives
 * while the loop is busy waits in its socket until the loop comes round to
 * read it, and Fastify's timer (reply.elapsedTime) starts only then; a timer
 * due every `tickMs` is late by about the same loop turn. So a purchase's
 * deadline counts from its routing minus this lateness: at 5x overload,
 * outbox's buyers queued for a connection were answered 503 800 ms after
 * routing, over 1 s after they had sent (503 p95 1,036 ms in npm run faults).
 */
export interface LoopLag {
  lagMs(): number;
  stop(): void;
}

export function startLoopLag(tickMs = 20): LoopLag {
  let last = performance.now();
  let lag = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = Math.max(0, now - last - tickMs);
    last = now;
    // A late turn counts at once; once the loop keeps time it fades by a fifth per tick, to a tenth in ~200 ms.
    lag = Math.max(late, lag * 0.8);
  }, tickMs);
  // The measure alone must not keep a process alive.
  timer.unref();
  return { lagMs: () => lag, stop: () => clearInterval(timer) };
}
