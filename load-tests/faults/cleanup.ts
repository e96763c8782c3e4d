// Every fault registers how to undo itself (SIGCONT what it stopped, restart
// what it killed, remove its toxics) before it acts. The fault's own finally
// runs its undo; a SIGINT/SIGTERM of the runner runs every undo still pending.
export type Undo = () => Promise<void>;

export class Cleanups {
  private next = 0;
  private readonly pending = new Map<number, { what: string; run: Undo }>();

  /** Registers `run`; the returned function runs it once (later calls do nothing) and unregisters it. */
  add(what: string, run: Undo): Undo {
    const id = this.next++;
    let done: Promise<void> | undefined;
    const once = (): Promise<void> => {
      done ??= run().finally(() => this.pending.delete(id));
      return done;
    };
    this.pending.set(id, { what, run: once });
    return once;
  }

  /** Runs every pending undo, newest first (a restart after the SIGCONT it may depend on), each bounded. */
  async runAll(say: (line: string) => void): Promise<void> {
    for (const [, item] of [...this.pending.entries()].reverse()) {
      say(`faults: cleanup: ${item.what}`);
      // 120 s: a Kafka restart is the slowest undo (a JVM start on busy cores).
      await Promise.race([item.run().catch((error: unknown) => say(`faults: cleanup ${item.what} failed: ${String(error)}`)), new Promise((resolve) => setTimeout(resolve, 120_000).unref())]);
    }
  }
}
