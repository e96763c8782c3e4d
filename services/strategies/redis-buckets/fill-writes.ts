/**
 * The orders of each fill this process is writing. A fill is ended once
 * they settle: its close would refuse those still queued in the order
 * writer, whose buyers then retry with units of another fill (the units
 * come back with the close). At the spike's sell-out that churn of each
 * emptied fill's last orders held the refusals for ~300 ms. Orders of the
 * same fill written by other processes may still meet the close.
 */
export class FillWrites {
  private readonly writing = new Map<string, { count: number; settled: Array<() => void> }>();

  begin(leaseId: string): void {
    const fill = this.writing.get(leaseId);
    if (fill === undefined) this.writing.set(leaseId, { count: 1, settled: [] });
    else fill.count += 1;
  }

  end(leaseId: string): void {
    const fill = this.writing.get(leaseId);
    if (fill === undefined) return;
    fill.count -= 1;
    if (fill.count > 0) return;
    this.writing.delete(leaseId);
    for (const resolve of fill.settled) resolve();
  }

  /** Resolves once no order of the fill is being written here (at once if none is). */
  settled(leaseId: string): Promise<void> {
    const fill = this.writing.get(leaseId);
    return fill === undefined ? Promise.resolve() : new Promise((resolve) => fill.settled.push(resolve));
  }
}
