import type { Kysely } from 'kysely';
import { readStock } from '../../../db/queries/skus.js';
import type { Database } from '../../../db/schema.js';
import type { SkuGate } from './sku-gate.js';
import { type StockSightings, sightingFreshMs } from './stock-sightings.js';
import type { PurchaseOutcome, PurchaseRequest } from '../strategy.js';

export type StockRead = NonNullable<Awaited<ReturnType<typeof readStock>>>;

/** The strategies that wait in a per-SKU line keep these two side by side, one pair per strategy. */
export interface SkuLine {
  gate: SkuGate;
  sightings: StockSightings;
}

export type Turn =
  /** Decided before any turn: unknown SKU, or sold out. */
  | { kind: 'answered'; outcome: PurchaseOutcome }
  /** Refused a place in line, or its turn would come too late. */
  | { kind: 'refused'; reason: string }
  | {
      kind: 'entered';
      /** The read made before the line (with its version), when one was made and nobody had a turn since. */
      freshRead: StockRead | undefined;
      /** A buyer in this process has seen the stock run out since this one arrived: answer sold_out. */
      soldOut: () => boolean;
      leave: () => void;
    };

/**
 * The front of redis-lock, redlock, pg-optimistic and pg-pessimistic:
 * 1. the stock: a sighting under 1 s old with enough left stands in for a read
 *    (under load this keeps buyers off the pool the holder's write needs); else
 *    a read, and an unknown SKU or short stock is answered at once;
 * 2. a turn in the SKU's line by `deadlineAt` (sku-gate.ts);
 * 3. refused or admitted, a buyer who arrived before someone here saw the stock
 *    run out answers sold_out: that is true, and spares the store.
 */
export async function takeTurn(db: Kysely<Database>, line: SkuLine, request: PurchaseRequest, deadlineAt: number): Promise<Turn> {
  const arrived = Date.now();
  const soldOut = (): boolean => line.sightings.soldOutSince(request.sku, request.quantity, arrived);
  const known = line.sightings.recent(request.sku, sightingFreshMs);
  let read: StockRead | undefined;
  let unitsLeft: number;
  if (known !== undefined && known >= request.quantity) {
    unitsLeft = known;
  } else {
    read = await readStock(db, request.sku);
    if (read === undefined) return { kind: 'answered', outcome: { kind: 'unknown_sku' } };
    if (read.stock < request.quantity) return { kind: 'answered', outcome: { kind: 'sold_out' } };
    unitsLeft = read.stock;
  }

  const turn = await line.gate.enter(request.sku, deadlineAt, Math.floor(unitsLeft / request.quantity));
  if (!turn.entered) return soldOut() ? { kind: 'answered', outcome: { kind: 'sold_out' } } : { kind: 'refused', reason: turn.reason };
  if (soldOut()) {
    turn.leave();
    return { kind: 'answered', outcome: { kind: 'sold_out' } };
  }
  return { kind: 'entered', freshRead: turn.waited ? undefined : read, soldOut, leave: turn.leave };
}
