/**
 * How many buyers of a SKU wait for its lock in this process, bounded. A
 * lock admits one holder at a time (~100 holds a second here), so under
 * overload an unbounded queue only turns into waits of LOCK_WAIT_MS (10 s)
 * that end in a 503 anyway: at 10x capacity the faults run saw lock
 * strategies answer their 503s after a median 10 s. Past the bound a buyer
 * is refused at once (503 + Retry-After), and those admitted are served
 * within the wait.
 */
export class LockQueue {
  private readonly waiting = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** False when the SKU's queue is full: refuse without waiting. */
  tryJoin(sku: string): boolean {
    const now = this.waiting.get(sku) ?? 0;
    if (now >= this.max) return false;
    this.waiting.set(sku, now + 1);
    return true;
  }

  leave(sku: string): void {
    const left = (this.waiting.get(sku) ?? 1) - 1;
    if (left > 0) this.waiting.set(sku, left);
    else this.waiting.delete(sku);
  }
}
