/** A SKU's waiting room as set at its creation. */
export interface RoomSettings {
  /** Admissions per second, or 'auto': follow what the strategy is answering (visit-line-6.lua). */
  admitPerSecond: number | 'auto';
  /** How long an admission (its token) lasts. */
  tokenTtlSeconds: number;
  /** Arrivals this long after the line opened are put in random order. */
  drawSeconds: number;
}

export interface RoomColumns {
  line_token_ttl_seconds: number | null;
  line_admit_per_second: number | null;
  line_draw_seconds: number;
}

export function roomOf(row: RoomColumns): RoomSettings | null {
  if (row.line_token_ttl_seconds === null) return null;
  return { admitPerSecond: row.line_admit_per_second ?? 'auto', tokenTtlSeconds: row.line_token_ttl_seconds, drawSeconds: row.line_draw_seconds };
}

// SKUs whose room is known at once; past this, the oldest is read again when next asked.
const maxSkus = 100_000;

/**
 * Which SKUs sell through a waiting room, known in this process. A room is
 * set when its SKU is created and never changed, so what was read once stays
 * true: a purchase pays one PostgreSQL read per SKU per process, the first,
 * and a Map lookup after. A SKU not found is not remembered (it may be
 * created next).
 */
export class RoomSettingsCache {
  private readonly known = new Map<string, RoomSettings | null>();
  private readonly loading = new Map<string, Promise<RoomSettings | null | undefined>>();

  constructor(
    /** From PostgreSQL, the truth: undefined when there is no such SKU. */
    private readonly read: (sku: string) => Promise<RoomColumns | undefined>,
    /** From the copy in Redis (roomCopyKey), when PostgreSQL cannot answer: null when there is none. */
    private readonly readCopy: (sku: string) => Promise<RoomSettings | null>,
    private readonly isOutage: (error: unknown) => boolean,
  ) {}

  /** The room if known here (null: none), undefined when it must be read. */
  peek(sku: string): RoomSettings | null | undefined {
    return this.known.get(sku);
  }

  /**
   * The room (null: none), undefined when PostgreSQL has no such SKU. When
   * PostgreSQL cannot answer, the copy in Redis says (not remembered: the
   * next purchase asks PostgreSQL again); throws when neither can.
   */
  async get(sku: string): Promise<RoomSettings | null | undefined> {
    const known = this.known.get(sku);
    if (known !== undefined) return known;
    let pending = this.loading.get(sku);
    if (pending === undefined) {
      pending = this.read(sku)
        .then(
          (row) => {
            if (row === undefined) return undefined;
            const room = roomOf(row);
            this.remember(sku, room);
            return room;
          },
          async (error: unknown) => {
            if (!this.isOutage(error)) throw error;
            return this.readCopy(sku);
          },
        )
        .finally(() => this.loading.delete(sku));
      this.loading.set(sku, pending);
    }
    return pending;
  }

  remember(sku: string, room: RoomSettings | null): void {
    this.known.set(sku, room);
    if (this.known.size > maxSkus) {
      const oldest = this.known.keys().next();
      if (oldest.done !== true) this.known.delete(oldest.value);
    }
  }
}
