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

/** Where a SKU's room is kept: PostgreSQL (the truth) and its copy in Redis, written at the SKU's creation. */
export interface RoomSources {
  /** From PostgreSQL: undefined when there is no such SKU. */
  read(sku: string): Promise<RoomColumns | undefined>;
  /** The copy in Redis (roomCopyKey): the room, null for none, undefined when there is no copy. */
  readCopy(sku: string): Promise<RoomSettings | null | undefined>;
  /** Puts back a missing copy from what PostgreSQL said (best effort: the next first read tries again). */
  writeCopy(sku: string, room: RoomSettings | null): void;
}

/**
 * Which SKUs sell through a waiting room, known in this process. A room is
 * set when its SKU is created and never changed, so what was read once stays
 * true: a purchase pays one read per SKU per process, the first, and a Map
 * lookup after. The first read asks the copy in Redis and PostgreSQL at
 * once and takes the first that can tell (a missing copy, from an older SKU
 * or lost with Redis's data, waits for PostgreSQL and is put back): either
 * store alone can tell, so a strategy that needs only one of them is not
 * stopped, or slowed, by the other's outage.
 * No copy and no PostgreSQL: the purchase fails (503), it is not let through
 * unguarded. A SKU found nowhere is not remembered (it may be created next).
 */
export class RoomSettingsCache {
  private readonly known = new Map<string, RoomSettings | null>();
  private readonly loading = new Map<string, Promise<RoomSettings | null | undefined>>();

  constructor(private readonly sources: RoomSources) {}

  /** The room if known here (null: none), undefined when it must be read. */
  peek(sku: string): RoomSettings | null | undefined {
    return this.known.get(sku);
  }

  /** The room (null: none), undefined when there is no such SKU; throws when neither store can say. */
  async get(sku: string): Promise<RoomSettings | null | undefined> {
    const known = this.known.get(sku);
    if (known !== undefined) return known;
    let pending = this.loading.get(sku);
    if (pending === undefined) {
      pending = this.load(sku).finally(() => this.loading.delete(sku));
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

  /**
   * Both stores at once, the first that can tell wins: a copy found, or
   * PostgreSQL's row (or its "no such SKU"). A store that is slow or out
   * then costs nothing while the other answers; a missing copy waits for
   * PostgreSQL and is put back from it.
   */
  private async load(sku: string): Promise<RoomSettings | null | undefined> {
    const fromPostgres = this.sources.read(sku).then((row) => {
      if (row === undefined) return undefined;
      const room = roomOf(row);
      this.remember(sku, room);
      return room;
    });
    const fromCopy = this.sources.readCopy(sku).then(
      (copy) => copy,
      () => undefined,
    );
    return new Promise((resolve, reject) => {
      let copyMissing = false;
      let postgresFailed: { error: unknown } | undefined;
      fromCopy.then((copy) => {
        if (copy !== undefined) {
          this.remember(sku, copy);
          resolve(copy);
          return;
        }
        copyMissing = true;
        if (postgresFailed !== undefined) reject(postgresFailed.error);
      }, reject);
      fromPostgres.then(
        (room) => {
          resolve(room);
          // Resolved already by the copy, or not: either way a missing copy is put back.
          void fromCopy.then((copy) => {
            if (copy === undefined && room !== undefined) this.sources.writeCopy(sku, room);
          });
        },
        (error: unknown) => {
          postgresFailed = { error };
          if (copyMissing) reject(error);
        },
      );
    });
  }
}
