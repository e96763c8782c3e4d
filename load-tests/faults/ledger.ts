// The client-side ledger (Jepsen's history, in small): every purchase has
// its own Idempotency-Key, every unfinished answer is retried with the SAME
// key and body, and every attempt is written down. The assertions read this
// ledger against the audit and the orders afterwards.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { postJson } from './http-post.js';
import { type LineTally, throughTheLine } from './line-client.js';

/** A 'final' answer ends a key; anything else is retried. */
export type FinalKind = 'confirmed' | 'accepted' | 'sold_out' | 'unexpected';

export interface Attempt {
  /** ms since the run's clock started (Ledger.t0). */
  at: number;
  ms: number;
  /** HTTP status, or 0 for a network error or a client timeout. */
  status: number;
  /** Problem code, 'timeout' or the network error's code. */
  code: string;
  /** A 5xx answer's problem detail (what it waited on), to tell late 503s apart. */
  detail?: string;
  api: string;
}

export interface KeyRecord {
  key: string;
  userId: string;
  attempts: Attempt[];
  final?: { kind: FinalKind; at: number; status: number; code: string; orderId?: string };
  /** Through a waiting room: the admission token its purchases carry (the key is the one it names). */
  token?: string;
  /** After recovery, the same key and body sent once more: what came back (kept apart from attempts). */
  replay?: { status: number; code: string; orderId?: string };
  /** 202s: the order's status as last polled at its Location. */
  polled?: 'pending' | 'confirmed' | 'rejected' | 'reserved' | 'missing' | 'unreadable';
}

export interface RetryBudget {
  /** Attempts per key at most. */
  attempts: number;
  /** And for at most this long after the first attempt. */
  ms: number;
  /** Per attempt: the client gives up and retries after this long. */
  timeoutMs: number;
}

// 12 s per attempt: past the 11 s outer bound of assertions.ts (a purchase's designed waits
// end within ~3 s); an answer later than that is a held request, and the ledger retries it.
// 80 tries within 75 s: enough to outlast a 15 s PostgreSQL pause, a worker's 6 s
// rejoin and an API restart, with 1 s Retry-After pauses in between.
export const defaultBudget: RetryBudget = { attempts: 80, ms: 75_000, timeoutMs: 12_000 };

const unfinishedConflicts = new Set(['idempotency_key_in_flight']);

function codeOf(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'code' in body && typeof body.code === 'string') return body.code;
  return '';
}

function detailOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'detail' in body && typeof body.detail === 'string') return body.detail;
  return undefined;
}

function orderIdOf(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'orderId' in body && typeof body.orderId === 'string') return body.orderId;
  return undefined;
}

function classify(status: number, code: string): FinalKind | 'retry' {
  if (status === 201) return 'confirmed';
  if (status === 202) return 'accepted';
  if (status === 409 && code === 'sold_out') return 'sold_out';
  if (status === 409 && unfinishedConflicts.has(code)) return 'retry';
  if (status === 0 || status >= 500) return 'retry';
  return 'unexpected';
}

export class Ledger {
  readonly t0 = Date.now();
  readonly records: KeyRecord[] = [];
  /** Final answers so far (the fault trigger counts them). */
  finals = 0;
  private readonly listeners: Array<(finals: number) => void> = [];

  /** Through a waiting room: what the line's requests met. */
  readonly line: LineTally = { requests: 0, unavailable: 0, unexpected: 0 };

  constructor(
    readonly sku: string,
    readonly strategy: string,
    private readonly budget: RetryBudget,
    /** Buyers go through the SKU's waiting room first, and buy with its token. */
    private readonly throughLine = false,
  ) {}

  now(): number {
    return Date.now() - this.t0;
  }

  onFinal(listener: (finals: number) => void): void {
    this.listeners.push(listener);
  }

  /** One purchase of one unit, retried with the same key until a final answer or the budget ends. */
  async purchase(index: number, pickApi: (attempt: number) => string): Promise<KeyRecord> {
    const record: KeyRecord = { key: randomUUID(), userId: `buyer-${index}`, attempts: [] };
    this.records.push(record);
    const body = JSON.stringify({ sku: this.sku, userId: record.userId, quantity: 1 });
    let first = Date.now();
    if (this.throughLine) {
      const admission = await throughTheLine(pickApi, this.sku, record.userId, first + this.budget.ms, this.line, this.budget.timeoutMs);
      if (admission.kind === 'gave_up') return record;
      if (admission.kind === 'sold_out') {
        // Told by the line, which says so only after a store refused a single unit.
        record.final = { kind: 'sold_out', at: admission.at - this.t0, status: 409, code: 'sold_out' };
        this.finals += 1;
        for (const listener of this.listeners) listener(this.finals);
        return record;
      }
      record.key = admission.idempotencyKey;
      record.token = admission.token;
      // The purchase's own budget starts at its admission, as a buyer's patience would.
      first = Date.now();
    }
    for (let n = 0; n < this.budget.attempts && Date.now() - first < this.budget.ms; n++) {
      const api = pickApi(n);
      const attempt = await this.send(api, record.key, body, record.token);
      record.attempts.push(attempt.attempt);
      const kind = classify(attempt.attempt.status, attempt.attempt.code);
      if (kind !== 'retry') {
        record.final = { kind, at: attempt.attempt.at + attempt.attempt.ms, status: attempt.attempt.status, code: attempt.attempt.code, orderId: attempt.orderId };
        this.finals += 1;
        for (const listener of this.listeners) listener(this.finals);
        return record;
      }
      // Retry-After (1 s from the API) for a 503 or 409; 250 ms after a network error (an API restarting).
      const waitMs = attempt.retryAfterMs ?? 250;
      await sleep(Math.min(waitMs, 1_000) * (0.5 + Math.random() / 2));
    }
    return record;
  }

  /**
   * Sends a finished key's purchase once more, same key and body: idempotency
   * must give the same order back. Like a client, it retries an answer that
   * decides nothing (503, 409 in flight, a network error) after Retry-After:
   * a lock strategy runs a replay through its line and lock before the
   * database says the key has its order, and 20 replays at once on one SKU
   * can outwait a turn. The answer recorded is the first one that decides.
   */
  async replay(record: KeyRecord, api: string): Promise<void> {
    const body = JSON.stringify({ sku: this.sku, userId: record.userId, quantity: 1 });
    for (let n = 0; n < this.budget.attempts; n++) {
      const { attempt, orderId, retryAfterMs } = await this.send(api, record.key, body, record.token);
      record.replay = { status: attempt.status, code: attempt.code, orderId };
      if (classify(attempt.status, attempt.code) !== 'retry') return;
      await sleep(Math.min(retryAfterMs ?? 250, 1_000) * (0.5 + Math.random() / 2));
    }
  }

  private async send(api: string, key: string, body: string, token: string | undefined): Promise<{ attempt: Attempt; orderId?: string; retryAfterMs?: number }> {
    const at = this.now();
    const started = performance.now();
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-strategy': this.strategy, 'idempotency-key': key };
    if (token !== undefined) headers['admission-token'] = token;
    try {
      const response = await postJson(`${api}/v1/purchases`, headers, body, this.budget.timeoutMs);
      let parsed: unknown;
      try {
        parsed = JSON.parse(response.text) as unknown;
      } catch {
        parsed = undefined;
      }
      const retryAfter = Number(response.retryAfter);
      return {
        attempt: { at, ms: performance.now() - started, status: response.status, code: codeOf(parsed), ...(response.status >= 500 ? { detail: detailOf(parsed) } : {}), api },
        orderId: orderIdOf(parsed),
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      };
    } catch (error: unknown) {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'network';
      return { attempt: { at, ms: performance.now() - started, status: 0, code, api } };
    }
  }
}
