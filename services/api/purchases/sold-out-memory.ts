import type { StockNewsListener } from '../../shared/stock-news.js';

// SKUs remembered at once (per strategy); the least recently armed goes first.
const maxSkus = 10_000;

export interface SoldOutMemoryOptions {
  /** How long after a store said "sold out" this process may repeat it without asking (SOLD_OUT_MEMORY_TTL_MS); 0 turns the memory off. */
  ttlMs: number;
  /**
   * The Idempotency-Keys that may have an order of the SKU, read after a
   * store said it is sold out: undefined when there are more than `limit`
   * (then nothing is remembered for it). Throws when a store cannot say.
   */
  loadKeys(sku: string, limit: number): Promise<ReadonlySet<string> | undefined>;
  /** SOLD_OUT_MEMORY_MAX_KEYS. */
  maxKeys: number;
  onLoadFailed(error: unknown, sku: string): void;
  now?: () => number;
}

interface Entry {
  /** When the store was asked (epoch ms): the memory's answers are "sold out as of" this, and end ttlMs after it. */
  askedAt: number;
  /** askedAt as the answers write it, formatted once. */
  asOf: string;
  /** The smallest quantity the store refused: stock was below it. */
  shortOf: number;
  /** Keys that may have an order; undefined while they load (nothing is answered then). */
  keys?: ReadonlySet<string>;
  /** Renewing this memory before it ends (see refuses()): a buyer was sent to the store, then its answer's keys are loading. */
  renewal?: 'asked' | 'loading';
}

// Past this share of the TTL one buyer asks the store again, so a renewed
// memory (its keys read) is ready before this one ends. Without it every
// buyer of the SKU asked the store at each end until the keys were read
// again: 414 store refusals in a 5 s closed loop of 64 buyers, each ten
// times the CPU of an answer from memory for a PostgreSQL strategy.
const renewAfter = 0.5;

/** A refusal from memory: the store said sold out at `asOf` (ISO 8601), within the TTL. */
export interface RememberedSoldOut {
  asOf: string;
}

/**
 * Sold out, known in this process: after a strategy's store said a SKU is
 * sold out, the next buyers of it are refused from memory, with no round
 * trip, for at most ttlMs after that answer. After a sell-out nearly every
 * request of a flash sale is a refusal, and each one cost a store read.
 *
 * A refusal from memory must say what the store would: a retry of a buyer
 * who bought still gets its order. So the SKU's keys that may have an order
 * are read (loadKeys) once the store has said sold out, and only a key not
 * among them is refused from memory. Reading them after that answer covers
 * every sale made before it; a sale after it needs units back on sale first.
 *
 * Units back on sale (a released hold, a restock, a repair: the scripts of
 * stock-news.ts) forget the SKU in every process that hears the news. A
 * store answer that may predate such news (the news came while the answer
 * was on its way, or while the keys loaded) is not remembered. News missed
 * while the subscription was down is why the memory also ends by itself
 * ttlMs after the answer it repeats: no process refuses from memory for
 * longer than that once units are back.
 */
export class SoldOutMemory implements StockNewsListener {
  private readonly now: () => number;
  private heard = false;
  /** Counts news: a store answer is remembered only if no news of its SKU came after it was asked. */
  private tick = 0;
  private deafSince = 0;
  private readonly newsAt = new Map<string, number>();
  /** By SKU, then by strategy: each strategy's store answered for itself. */
  private readonly entries = new Map<string, Map<string, Entry>>();

  constructor(private readonly options: SoldOutMemoryOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Taken before asking the store; hand it back with the store's sold-out answer. */
  mark(): number {
    return this.tick;
  }

  /** A refusal from memory for this buyer, or undefined: ask the store. */
  refuses(strategy: string, sku: string, quantity: number, idempotencyKey: string): RememberedSoldOut | undefined {
    const entry = this.entries.get(sku)?.get(strategy);
    if (entry?.keys === undefined || quantity < entry.shortOf || entry.keys.has(idempotencyKey)) return undefined;
    const age = this.now() - entry.askedAt;
    if (age >= this.options.ttlMs) {
      this.forget(sku, strategy, entry);
      return undefined;
    }
    if (age >= this.options.ttlMs * renewAfter && entry.renewal === undefined) {
      entry.renewal = 'asked';
      return undefined;
    }
    return entry;
  }

  /** The strategy's store said `quantity` units of the SKU are more than it has; asked at `askedAt`, after `mark`. */
  soldOut(strategy: string, sku: string, quantity: number, mark: number, askedAt: number): void {
    if (this.options.ttlMs <= 0 || !this.heard || this.newsSince(sku, mark)) return;
    const entry = this.entries.get(sku)?.get(strategy);
    const live = entry !== undefined && (entry.keys === undefined || this.now() - entry.askedAt < this.options.ttlMs);
    if (live && entry.renewal === 'asked' && entry.keys !== undefined) {
      // A store answer after the renewal was asked for (the renewing buyer's, most often): one load
      // at a time, and the old memory answers on until the new one's keys are read.
      entry.renewal = 'loading';
      this.load(sku, strategy, { askedAt, asOf: new Date(askedAt).toISOString(), shortOf: quantity }, mark, entry);
      return;
    }
    if (live) {
      entry.shortOf = Math.min(entry.shortOf, quantity);
      return;
    }
    const fresh: Entry = { askedAt, asOf: new Date(askedAt).toISOString(), shortOf: quantity };
    this.put(sku, strategy, fresh);
    this.load(sku, strategy, fresh, mark, fresh);
  }

  /**
   * Reads the keys for `fresh` and puts it in the place of `current` (itself
   * when new, or the memory it renews), unless news came since `mark` or
   * `current` was dropped meanwhile. A renewal whose keys cannot be read is
   * let go: the old memory ends at its TTL.
   */
  private load(sku: string, strategy: string, fresh: Entry, mark: number, current: Entry): void {
    this.options.loadKeys(sku, this.options.maxKeys).then(
      (keys) => {
        if (this.entries.get(sku)?.get(strategy) !== current) return;
        if (keys === undefined || this.newsSince(sku, mark)) {
          if (current === fresh) this.forget(sku, strategy, fresh);
          return;
        }
        fresh.keys = keys;
        if (current !== fresh) this.put(sku, strategy, fresh);
      },
      (error: unknown) => {
        if (current === fresh) this.forget(sku, strategy, fresh);
        this.options.onLoadFailed(error, sku);
      },
    );
  }

  stockBack(sku: string): void {
    this.tick += 1;
    this.newsAt.delete(sku);
    this.newsAt.set(sku, this.tick);
    if (this.newsAt.size > maxSkus) {
      // Forgetting when a SKU had news would let an older answer be remembered: count it as news for all.
      const oldest = this.newsAt.keys().next();
      if (oldest.done !== true) this.newsAt.delete(oldest.value);
      this.deafSince = this.tick;
    }
    this.entries.delete(sku);
  }

  listening(on: boolean): void {
    if (on === this.heard) return;
    this.heard = on;
    // Either way an answer asked for before now may have missed news: none of them is remembered.
    this.tick += 1;
    this.deafSince = this.tick;
    if (!on) this.entries.clear();
  }

  /** SKUs remembered now, for tests and metrics. */
  size(): number {
    return this.entries.size;
  }

  /** Whether units of the SKU may have come back since `mark` (news heard, or a stretch deaf to it). */
  heardNewsSince(sku: string, mark: number): boolean {
    return this.newsSince(sku, mark);
  }

  private newsSince(sku: string, mark: number): boolean {
    return this.deafSince > mark || (this.newsAt.get(sku) ?? 0) > mark;
  }

  private put(sku: string, strategy: string, entry: Entry): void {
    let entries = this.entries.get(sku);
    if (entries === undefined) {
      entries = new Map();
      this.entries.set(sku, entries);
      if (this.entries.size > maxSkus) {
        const oldest = this.entries.keys().next();
        if (oldest.done !== true) this.entries.delete(oldest.value);
      }
    }
    entries.set(strategy, entry);
  }

  private forget(sku: string, strategy: string, entry: Entry): void {
    const entries = this.entries.get(sku);
    if (entries?.get(strategy) !== entry) return;
    entries.delete(strategy);
    if (entries.size === 0) this.entries.delete(sku);
  }
}
