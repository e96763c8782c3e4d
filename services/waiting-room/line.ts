import { randomBytes, randomInt } from 'node:crypto';
import type { MainRedis } from '../shared/redis.js';
import type { StockNewsListener } from '../shared/stock-news.js';
import { signAdmission } from './admission-token.js';
import { lineKeys } from './keys.js';
import type { RoomSettings } from './room-settings.js';
import { LineTally } from './line-tally.js';
import './scripts.js';

export type LineState = 'drawing' | 'waiting' | 'admitted' | 'expired' | 'sold_out';

/** A ticket as GET /v1/skus/:sku/line/:ticket shows it. */
export interface LineView {
  ticket: string;
  sku: string;
  userId: string;
  state: LineState;
  /** True when this visit made the ticket (a join; the buyer's earlier ticket otherwise). */
  created: boolean;
  position: number | null;
  admitPerSecond: number | null;
  estimatedWaitSeconds: number | null;
  drawEndsAt: string | null;
  pollAfterSeconds: number | null;
  admission: { token: string; idempotencyKey: string; expiresAt: string } | null;
}

export interface WaitingRoomOptions {
  redis: MainRedis;
  secret: Buffer;
  /** WAITING_ROOM_P95_MS: auto admission grows while admitted purchases answer within this at p95. */
  p95TargetMs: number;
  /** Auto admission's starting, least and most rate (per second). */
  auto: { start: number; least: number; most: number };
  /** A lapsed admission is replaced no sooner than this after its end: a purchase that started in time has answered by then (PURCHASE_WAIT_MS and a margin). */
  graceMs: number;
  onReportFailed(error: unknown): void;
}

// A line's keys live this long after its last join: a day outlasts any sale.
const keepMs = 24 * 3600 * 1000;
// How long "sold out" stands in the line without a purchase saying it again: a bound on a
// flag whose clearing news was missed. Refreshed at most every third of it per process.
const soldOutFlagMs = 15_000;

/**
 * The waiting room of every SKU that has one (its state in the main Redis,
 * visit-line-6.lua). A ticket gets a place; the serving counter advances at
 * the room's rate; a ticket whose place it passes is admitted and gets a
 * signed token. Purchases of admitted buyers are reported (auto rooms learn
 * their rate from them), and one answered sold out tells everyone waiting.
 */
export class WaitingRoom implements StockNewsListener {
  private readonly tally: LineTally;
  /** SKUs this process flagged sold out, when, and the write: flagged again only when a third of the flag's life has passed. */
  private readonly flagged = new Map<string, { at: number; written: Promise<void> }>();
  /** SKUs with a room seen here: news of units back clears their flag. */
  private readonly rooms = new Set<string>();

  constructor(private readonly options: WaitingRoomOptions) {
    this.tally = new LineTally((sku) => lineKeys(sku)[0], keepMs, options.redis, options.onReportFailed);
  }

  /**
   * The buyer's ticket: a new one, or the one it has. A buyer whose
   * admission lapsed unused joins again at the back; `bought(ticket)` says
   * whether it was used after all (an order under the ticket's key), and
   * then the lapsed ticket stands: one admission, one order.
   */
  async join(sku: string, room: RoomSettings, userId: string, bought: (ticket: string) => Promise<boolean>): Promise<LineView> {
    const view = await this.visit(sku, room, 'join', randomBytes(16).toString('base64url'), userId);
    if (view === undefined) throw new Error(`the line of ${sku} lost the ticket it just gave`);
    if (view.state !== 'expired' || (await bought(view.ticket))) return view;
    const again = await this.visit(sku, room, 'rejoin', randomBytes(16).toString('base64url'), userId);
    if (again === undefined) throw new Error(`the line of ${sku} lost the ticket it just gave`);
    return again;
  }

  /** The ticket's place now; undefined when the line has no such ticket. */
  async poll(sku: string, room: RoomSettings, ticket: string): Promise<LineView | undefined> {
    return this.visit(sku, room, 'poll', ticket, '');
  }

  /**
   * What an admitted buyer's purchase was answered, `ms` after it arrived.
   * fromStore: the strategy decided it (not a replay or a refusal from
   * memory: those say nothing of how the store copes). soldOut: the SKU has
   * no unit left, as the caller judged it.
   */
  answered(sku: string, room: RoomSettings, answer: { ticket: string; status: number; ms: number; fromStore: boolean; soldOut: boolean }): Promise<void> | undefined {
    this.rooms.add(sku);
    // An admission that bought is never replaced by a new place (visit-line-6.lua, rejoin).
    if (answer.status === 201 || answer.status === 202) this.markUsed(sku, answer.ticket);
    if (room.admitPerSecond === 'auto' && answer.fromStore) this.tally.add(sku, answer.ms > this.options.p95TargetMs, answer.status === 503);
    return answer.soldOut ? this.flagSoldOut(sku) : undefined;
  }

  /** Whether a purchase with the ticket's admission was answered 2xx (its order may still be queued, not yet in PostgreSQL). */
  async wasUsed(sku: string, ticket: string): Promise<boolean> {
    return (await this.options.redis.hexists(lineKeys(sku)[4], `${ticket}:used`)) === 1;
  }

  private markUsed(sku: string, ticket: string): void {
    const admitted = lineKeys(sku)[4];
    this.options.redis.multi().hset(admitted, `${ticket}:used`, '1').pexpire(admitted, keepMs).exec().catch(this.options.onReportFailed);
  }

  stockBack(sku: string): void {
    this.flagged.delete(sku);
    if (!this.rooms.has(sku)) return;
    const flag = lineKeys(sku)[5];
    this.options.redis.del(flag).catch(this.options.onReportFailed);
  }

  listening(on: boolean): void {
    // News may have been missed: the flags set here are left to their TTL, and set again by the next sold-out answer.
    if (!on) this.flagged.clear();
  }

  /** Units came back through this process (a restock): the line hears it before the answer. */
  async unitsBack(sku: string): Promise<void> {
    this.flagged.delete(sku);
    await this.options.redis.del(lineKeys(sku)[5]);
  }

  async stop(): Promise<void> {
    await this.tally.stop();
  }

  /**
   * Sets the line's flag, resolved once Redis has it (or failed): the caller
   * answers its buyer after that, so whoever polls after a buyer was told
   * sold out hears it too (set after the answer, a poll in between was
   * admitted instead: a test failed that way). Once per third of the flag's
   * life per process; a buyer meanwhile waits for the same write.
   */
  private flagSoldOut(sku: string): Promise<void> | undefined {
    const now = Date.now();
    const last = this.flagged.get(sku);
    if (last !== undefined && now - last.at < soldOutFlagMs / 3) return last.written;
    const written = this.options.redis.set(lineKeys(sku)[5], '1', 'PX', soldOutFlagMs).then(
      () => undefined,
      (error: unknown) => {
        this.flagged.delete(sku);
        this.options.onReportFailed(error);
      },
    );
    this.flagged.set(sku, { at: now, written });
    return written;
  }

  private async visit(sku: string, room: RoomSettings, mode: 'join' | 'poll' | 'rejoin', ticket: string, userId: string): Promise<LineView | undefined> {
    this.rooms.add(sku);
    const keys = lineKeys(sku);
    const fixed = room.admitPerSecond === 'auto' ? 0 : room.admitPerSecond;
    // randomInt: the draw's order must not be predictable from the arrival's id or time.
    const score = (randomInt(0, 2 ** 47) / 2 ** 47).toString();
    const { auto } = this.options;
    const [state, id, buyer, created, a, b] = await this.options.redis.visitLine(...keys, mode, ticket, userId, room.drawSeconds * 1000, score, fixed, room.tokenTtlSeconds * 1000, keepMs, auto.start, auto.least, auto.most, this.options.graceMs);
    if (state === 'unknown') return undefined;
    const view: LineView = { ticket: id, sku, userId: buyer, state: state as LineState, created: created === 1, position: null, admitPerSecond: null, estimatedWaitSeconds: null, drawEndsAt: null, pollAfterSeconds: null, admission: null };
    // Browsers poll every 1-2 s; the jitter keeps a crowd that arrived together from polling together.
    const jitter = Math.random();
    switch (view.state) {
      case 'drawing':
        view.drawEndsAt = new Date(a).toISOString();
        view.admitPerSecond = Number(b);
        view.pollAfterSeconds = round(Math.max(0, (a - Date.now()) / 1000) + 1 + jitter);
        break;
      case 'waiting':
        view.position = a;
        view.admitPerSecond = Number(b);
        view.estimatedWaitSeconds = round(a / Math.max(Number(b), 1e-9));
        view.pollAfterSeconds = round(1 + jitter);
        break;
      case 'admitted': {
        const admission = { sku, userId: buyer, idempotencyKey: id, expiresAt: a };
        view.admission = { token: signAdmission(this.options.secret, admission), idempotencyKey: id, expiresAt: new Date(a).toISOString() };
        break;
      }
      case 'expired':
      case 'sold_out':
        break;
    }
    return view;
  }
}

const round = (seconds: number): number => Math.round(seconds * 10) / 10;
