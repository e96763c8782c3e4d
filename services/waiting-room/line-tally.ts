import type { MainRedis } from '../shared/redis.js';

// How often a process reports its admitted purchases' answers: auto rooms adjust once a second.
const reportEveryMs = 250;

interface Counts {
  answers: number;
  slow: number;
  shed: number;
}

/**
 * What admitted purchases were answered, counted in this process and added
 * to each SKU's line state every 250 ms (three HINCRBYs in one round trip a
 * SKU), so an auto room hears every process without a write per purchase.
 */
export class LineTally {
  private counts = new Map<string, Counts>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stateKey: (sku: string) => string,
    private readonly keepMs: number,
    private readonly redis: MainRedis,
    private readonly onFailed: (error: unknown) => void,
  ) {}

  add(sku: string, slow: boolean, shed: boolean): void {
    let counts = this.counts.get(sku);
    if (counts === undefined) {
      counts = { answers: 0, slow: 0, shed: 0 };
      this.counts.set(sku, counts);
    }
    counts.answers += 1;
    if (slow) counts.slow += 1;
    if (shed) counts.shed += 1;
    this.timer ??= setTimeout(() => void this.flush(), reportEveryMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.flush();
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    const counts = this.counts;
    this.counts = new Map();
    await Promise.all(
      [...counts].map(async ([sku, c]) => {
        const key = this.stateKey(sku);
        // Lost on a failure: the room then adjusts on fewer answers, it does not stall. The
        // expiry: a count that recreated a lost state hash must not keep it for good.
        await this.redis.multi().hincrby(key, 'answers', c.answers).hincrby(key, 'slow', c.slow).hincrby(key, 'shed', c.shed).pexpire(key, this.keepMs).exec().catch(this.onFailed);
      }),
    );
  }
}
