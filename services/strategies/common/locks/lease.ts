/**
 * Clock drift allowance, as in the Redlock paper: 1 % of the lease plus 2 ms
 * (timer resolution). Subtracted so we stop trusting a lease a little before
 * Redis really expires it, never after.
 */
export function driftMs(leaseMs: number): number {
  return Math.floor(leaseMs * 0.01) + 2;
}

/**
 * Renew every third of the lease: two renewals in a row can fail or come late
 * (a slow Redis, a busy event loop) before the lease runs out under the holder.
 */
export function renewEveryMs(leaseMs: number): number {
  return leaseMs / 3;
}

/** What a lock's holder needs of its lease: whether it still holds it, and how to give it back. */
export type LockLease = Pick<Lease, 'signal' | 'isHeld' | 'release'>;

export interface LeaseOps {
  /** Renews the lease; resolves to its new end (epoch ms), or undefined when it is lost. */
  extend(): Promise<number | undefined>;
  /** Gives the lock back, only where we still own it. Never throws. */
  release(): Promise<void>;
}

/**
 * A held lock with a watchdog. While the holder works, the lease is renewed
 * every `renewIntervalMs` (see renewEveryMs). When a renewal fails, `signal`
 * aborts; when the lease's end passes without one (a paused process, a slow
 * Redis), `isHeld()` turns false too: either way the holder must not commit.
 * Checking before the commit narrows the window but cannot close it (the
 * process may pause between the check and the commit): fencing tokens, checked
 * by PostgreSQL itself, are what make a late write harmless.
 */
export class Lease {
  private readonly lost = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  constructor(
    private readonly ops: LeaseOps,
    private validUntil: number,
    private readonly renewIntervalMs: number,
  ) {
    this.schedule();
  }

  get signal(): AbortSignal {
    return this.lost.signal;
  }

  isHeld(): boolean {
    return !this.lost.signal.aborted && Date.now() < this.validUntil;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearTimeout(this.timer);
    await this.ops.release();
  }

  private schedule(): void {
    // A chain of timeouts, not an interval: a slow renewal never overlaps the next one.
    this.timer = setTimeout(() => void this.renew(), this.renewIntervalMs);
    // The watchdog alone must not keep a process alive.
    this.timer.unref();
  }

  private async renew(): Promise<void> {
    if (this.released) return;
    let until: number | undefined;
    try {
      until = await this.ops.extend();
    } catch {
      until = undefined;
    }
    if (this.released) return;
    // A successful compare-and-pexpire proves the key still held our token.
    if (until === undefined) {
      this.lost.abort(new Error('lock lease lost'));
      return;
    }
    this.validUntil = until;
    this.schedule();
  }
}
