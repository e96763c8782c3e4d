/**
 * Per-SKU admission in this process, for the strategies whose buyers of one
 * SKU can only go one (or a few) at a time: a lock admits one holder, and
 * optimistic writers beyond a few only lose more version races.
 *
 * Why a local line rather than every buyer trying the store:
 * - Under overload, hundreds of buyers each polling a Redis lock (or retrying
 *   a version check) spend the CPU the one holder needs: at 10x capacity the
 *   faults run saw lock strategies leave 979-1,690 keys unanswered after 10
 *   tries, and pg-optimistic answer its 503s after 11 s. In line, only the
 *   buyers at the front touch the store.
 * - A buyer whose turn cannot come within its wait is told so at once (503 +
 *   Retry-After), not after waiting the whole budget. The wait ahead is the
 *   turns ahead times the recent interval between two turns ending (a
 *   throughput, right whatever the concurrency: pg-optimistic's 4 writers mostly
 *   lose to each other), counting no more turns than the units left (past them,
 *   a turn is a quick sold_out); then its own turn, as long as recent ones took.
 *   (Turn length over concurrency, the first estimate, admitted buyers at
 *   10x load who then waited the whole 800 ms: 300 such 503s a second.)
 */
export interface GateOptions {
  /** Buyers of one SKU inside at once. */
  concurrency: number;
  /** Buyers of one SKU waiting in line; past it, refused at once. */
  maxWaiters: number;
}

/** `waited`: whether the buyer stood in line (what it read before may be stale). */
export type Entry = { entered: true; waited: boolean; leave: () => void } | { entered: false; reason: string };

interface Waiter {
  deadlineAt: number;
  unitsLeft: number;
  admit: () => void;
  refuse: (reason: string) => void;
}

interface Line {
  inside: number;
  queue: Waiter[];
  /** When a turn last ended while others were waiting (performance.now()). */
  lastLeftAt?: number;
}

/** Recent figures of one SKU, in ms: a turn's length, and the interval between turns ending under load. */
interface Pace {
  turnMs: number;
  intervalMs?: number;
  /** Turns measured so far. */
  turns: number;
}

// Recent turns weigh most: a store that slows down (or recovers) moves the estimate within a few turns.
const weight = 0.2;
// No buyer is refused on fewer turns than this. The first turn of a burst is often slow (a cold
// connection, a script loaded): extrapolated over 50 turns, one 190 ms turn predicted 9.7 s and
// refused 252 of a 300-buyer burst that then sold 50 units in 0.7 s (concurrency.test.ts, once).
const minTurns = 3;
// Estimates of SKUs no longer sold are dropped past this many (a test run creates thousands of SKUs).
const maxRemembered = 10_000;

export class SkuGate {
  private readonly lines = new Map<string, Line>();
  private readonly pace = new Map<string, Pace>();

  constructor(private readonly options: GateOptions) {}

  /**
   * Waits for a turn until `deadlineAt` (epoch ms). `unitsLeft` is the stock
   * the buyer last saw, which bounds the slow turns ahead of it.
   */
  enter(sku: string, deadlineAt: number, unitsLeft: number): Promise<Entry> {
    const line = this.lineOf(sku);
    if (line.inside < this.options.concurrency && line.queue.length === 0) return Promise.resolve(this.admit(sku, line, false));
    if (line.queue.length >= this.options.maxWaiters) {
      return Promise.resolve({ entered: false, reason: `${line.queue.length} buyers already wait for this SKU in this process` });
    }
    const late = this.lateBy(sku, line.queue.length, unitsLeft, deadlineAt);
    if (late !== undefined) return Promise.resolve({ entered: false, reason: late });
    return new Promise<Entry>((resolve) => {
      const waitMs = deadlineAt - Date.now();
      let timer: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        deadlineAt,
        unitsLeft,
        admit: () => {
          clearTimeout(timer);
          resolve(this.admit(sku, line, true));
        },
        refuse: (reason) => {
          clearTimeout(timer);
          const at = line.queue.indexOf(waiter);
          if (at >= 0) line.queue.splice(at, 1);
          this.forgetIfIdle(sku, line);
          resolve({ entered: false, reason });
        },
      };
      timer = setTimeout(() => waiter.refuse(`no turn within ${Math.round(waitMs)} ms`), Math.max(0, waitMs));
      line.queue.push(waiter);
    });
  }

  /**
   * Why a buyer with `ahead` buyers before it in line cannot have its turn by
   * `deadlineAt`, or undefined if it can (or too little is known yet).
   */
  private lateBy(sku: string, ahead: number, unitsLeft: number, deadlineAt: number): string | undefined {
    const pace = this.pace.get(sku);
    if (pace === undefined || pace.turns < minTurns) return undefined;
    const turnsAhead = Math.min(ahead + 1, Math.max(1, unitsLeft));
    const predictedMs = (pace.intervalMs ?? pace.turnMs / this.options.concurrency) * turnsAhead + pace.turnMs;
    const waitMs = deadlineAt - Date.now();
    if (predictedMs <= waitMs) return undefined;
    return `turn expected in ${Math.round(predictedMs)} ms, past the ${Math.max(0, Math.round(waitMs))} ms this buyer may wait`;
  }

  /**
   * After a turn ends (the pace just changed), those in line who can no longer
   * make it are told now rather than at their deadline. The first turns of a
   * burst run before any pace is known, so the line they face fills unchecked.
   */
  private refuseHopeless(sku: string, line: Line): void {
    let ahead = 0;
    for (const waiter of [...line.queue]) {
      const late = this.lateBy(sku, ahead, waiter.unitsLeft, waiter.deadlineAt);
      if (late === undefined) ahead += 1;
      else waiter.refuse(late);
    }
  }

  private admit(sku: string, line: Line, waited: boolean): Entry {
    line.inside += 1;
    const since = performance.now();
    let left = false;
    return {
      entered: true,
      waited,
      leave: () => {
        if (left) return;
        left = true;
        line.inside -= 1;
        const now = performance.now();
        this.record(sku, now - since, line.lastLeftAt === undefined ? undefined : now - line.lastLeftAt);
        line.lastLeftAt = line.queue.length > 0 ? now : undefined;
        const next = line.queue.shift();
        if (next === undefined) return this.forgetIfIdle(sku, line);
        next.admit();
        this.refuseHopeless(sku, line);
      },
    };
  }

  /** `intervalMs`: since the previous turn ended, when buyers were waiting in between. */
  private record(sku: string, turnMs: number, intervalMs: number | undefined): void {
    const before = this.pace.get(sku);
    if (before === undefined && this.pace.size >= maxRemembered) this.pace.clear();
    const mix = (old: number | undefined, value: number): number => (old === undefined ? value : old + weight * (value - old));
    this.pace.set(sku, {
      turnMs: mix(before?.turnMs, turnMs),
      intervalMs: intervalMs === undefined ? before?.intervalMs : mix(before?.intervalMs, intervalMs),
      turns: (before?.turns ?? 0) + 1,
    });
  }

  private lineOf(sku: string): Line {
    let line = this.lines.get(sku);
    if (line === undefined) {
      line = { inside: 0, queue: [] };
      this.lines.set(sku, line);
    }
    return line;
  }

  private forgetIfIdle(sku: string, line: Line): void {
    if (line.inside === 0 && line.queue.length === 0) this.lines.delete(sku);
  }
}
