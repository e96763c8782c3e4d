import type { WaitingRoom } from '../../waiting-room/line.js';
import type { RoomSettings, RoomSettingsCache } from '../../waiting-room/room-settings.js';
import { admissionRefusal } from './admission-gate.js';
import { earlierOrderOf, problemAnswer, replayAnswer } from './answers.js';
import type { OrderLookup } from './order-lookup.js';
import type { PurchaseResult } from './purchase-flow.js';
import type { SoldOutMemory } from './sold-out-memory.js';

export interface RoomGateDeps {
  rooms: RoomSettingsCache;
  secret: Buffer;
  findOrder: OrderLookup;
  answersAsync: (strategy: string) => boolean;
  waitingRoom: WaitingRoom;
  soldOut: SoldOutMemory;
}

export interface GatedPurchase {
  sku: string;
  userId: string;
  quantity: number;
  idempotencyKey: string;
}

// Answers that say nothing of how the strategy's store is coping: an auto room learns only from the others.
const notFromTheStore = new Set(['replayed', 'key_reused', 'in_flight', 'sold_out_from_memory']);

/**
 * Before the strategy runs: the SKU's waiting room (null: none), or the
 * answer that ends the purchase here. A Map read once the SKU is known in
 * this process; its first purchase here reads the room's Redis copy and
 * PostgreSQL at once (room-settings.ts). A SKU neither store has is answered 404 here: running the strategy could sell a SKU
 * created with a room in between, to a buyer the room never admitted.
 */
export async function beforePurchase(deps: RoomGateDeps, purchase: GatedPurchase, token: string | undefined): Promise<{ room: RoomSettings | null; early?: PurchaseResult }> {
  let room = deps.rooms.peek(purchase.sku);
  if (room === undefined) {
    const read = await deps.rooms.get(purchase.sku);
    if (read === undefined) return { room: null, early: { answer: problemAnswer({ code: 'sku_not_found', detail: `No SKU ${purchase.sku}.`, extensions: {} }), outcome: 'unknown_sku' } };
    room = read;
  }
  if (room === null) return { room };
  const refusal = admissionRefusal(deps.secret, purchase, token, Date.now());
  if (refusal === undefined) return { room };
  if (refusal.lapsed) {
    // A retry of a sale made while the token was good still gets its order: one the line knows was
    // answered 2xx goes to the strategy, which replays it by its key (an asynchronous strategy's order
    // may not be in PostgreSQL yet); else PostgreSQL is asked.
    if (await deps.waitingRoom.wasUsed(purchase.sku, purchase.idempotencyKey).catch(() => false)) return { room };
    const order = await deps.findOrder(purchase.idempotencyKey);
    if (order !== undefined) {
      const answer = replayAnswer(earlierOrderOf(order), purchase, deps.answersAsync(order.strategy));
      return { room, early: { answer, outcome: answer.status === 422 ? 'key_reused' : 'replayed' } };
    }
  }
  return { room, early: { answer: refusal.answer, outcome: 'not_admitted' } };
}

/**
 * After an admitted buyer's purchase: what the store answered, for an auto
 * room, and "sold out" for everyone waiting (a promise to await before the
 * answer: the line has it once the buyer does). Only a refusal of a single unit
 * says the SKU has none left (one of more units says it has fewer than
 * asked), and only if no units came back since the store was asked (`mark`).
 */
export function afterPurchase(deps: RoomGateDeps, room: RoomSettings, purchase: GatedPurchase, result: PurchaseResult, mark: number, ms: number): Promise<void> | undefined {
  const soldOut = (result.outcome === 'sold_out' || result.outcome === 'sold_out_from_memory') && purchase.quantity === 1 && !deps.soldOut.heardNewsSince(purchase.sku, mark);
  return deps.waitingRoom.answered(purchase.sku, room, { ticket: purchase.idempotencyKey, status: result.answer.status, ms, fromStore: !notFromTheStore.has(result.outcome), soldOut });
}
