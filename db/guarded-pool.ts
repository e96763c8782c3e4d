import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';
import { CircuitOpenError, createCircuitBreaker } from '../lib/circuit-breaker.js';
import { msLeft } from '../lib/deadline.js';
import { within } from '../lib/within.js';
import { isNetworkError } from '../lib/dependency-failure.js';
import { isPoolBusy, PoolBusyError, postgresFailure } from './errors.js';

export interface GuardSettings {
  /** After PostgreSQL stopped answering, new requests fail at once this long before one probes. */
  cooldownMs: number;
  /** The longest a probe may take before another caller probes instead. */
  probeMs: number;
  /** Nothing answered for this long while something waits on PostgreSQL: time to ask whether it still answers. */
  stallMs: number;
  /** How long that question (SELECT 1 on a connection of its own) may take before PostgreSQL counts as not answering. */
  askMs: number;
}

/**
 * True for a failure that says PostgreSQL did not answer, as opposed to an
 * answer that refused (a statement or lock timeout is the server answering).
 * A full pool is left out: under load every connection is busy while the
 * server answers fine, and shedding that load is the pool timeout's job.
 */
function notAnswering(error: unknown): boolean {
  if (isPoolBusy(error)) return false;
  return error instanceof CircuitOpenError || isNetworkError(error) || postgresFailure(error)?.kind === 'unavailable';
}

/**
 * Failures that come from a timer in this process, not from PostgreSQL:
 * query_timeout and a new connection's connect timeout. A stopped process
 * (SIGSTOP, a long GC) fires them on resume although the answer may be
 * waiting unread in the socket, so alone they are a reason to ask, not proof.
 */
function ownTimerFired(error: unknown): boolean {
  return error instanceof Error && (error.message.includes('Query read timeout') || error.message.includes('due to connection timeout'));
}

/** Something waiting on PostgreSQL (a query, or a connection from the pool), and how to give up on it. */
interface Waiter {
  since: number;
  abandon(error: Error): void;
}

/**
 * The pool Kysely uses, guarded against a PostgreSQL that stops answering
 * (paused, or the network path to it cut). Its own timeouts cannot help: a
 * statement_timeout is the server's, and the client's query_timeout must sit
 * above the longest legitimate statement (PG_STATEMENT_TIMEOUT_MS).
 *
 * - A stall watchdog: a server that answers completes something every few
 *   milliseconds under load. When something has waited `stallMs` and
 *   nothing at all was answered in that time, it asks PostgreSQL (SELECT 1
 *   on a connection of its own, `askMs` at most). No answer: every waiting
 *   query and connection request is given up (503), their connections are
 *   destroyed rather than reused (the abandoned statement still sits on
 *   them), and the breaker opens.
 * - A client-side timeout (query_timeout, connect timeout) only makes it ask
 *   at once: its timer fires late, and wrongly, in a process that was stopped.
 * - A breaker: while open, new requests are refused at once; after
 *   `cooldownMs` one probes (circuit-breaker.ts).
 * - A connection lost while checked out (reset between two statements)
 *   makes pg emit 'error' on the client; pg-pool listens only to idle
 *   clients, and an unheard 'error' would end the process.
 */
export function guardedPool(pool: pg.Pool, settings: GuardSettings): PostgresPool {
  const breaker = createCircuitBreaker({ cooldownMs: settings.cooldownMs, probeMs: settings.probeMs });
  const waiting = new Set<Waiter>();
  let lastAnswerAt = Date.now();

  const trip = (): void => {
    breaker.failed();
    for (const waiter of [...waiting]) waiter.abandon(new CircuitOpenError('postgres'));
  };

  // A slow query alone proves nothing (a loaded machine, a big audit, a new
  // connection's start-up): before tripping, the watchdog asks PostgreSQL
  // directly on a connection of its own, kept open for that.
  let asker: pg.Client | undefined;
  let asking = false;
  let askerReady: Promise<pg.Client> | undefined;
  /** The asking connection, opened once PostgreSQL has answered (so it is warm when a stall comes). */
  function openAsker(budgetMs: number): Promise<pg.Client> {
    askerReady ??= (async () => {
      const fresh = new pg.Client({ ...pool.options, connectionTimeoutMillis: budgetMs });
      fresh.on('error', () => undefined);
      asker = fresh;
      await fresh.connect();
      return fresh;
    })();
    return askerReady;
  }
  async function stillAnswers(): Promise<boolean> {
    try {
      const client = await within(openAsker(settings.askMs), settings.askMs);
      await within(client.query('select 1'), settings.askMs);
      return true;
    } catch {
      const broken = asker;
      asker = undefined;
      askerReady = undefined;
      broken?.end().catch(() => undefined);
      return false;
    }
  }

  /** Asks PostgreSQL (once at a time) and trips when it does not answer. */
  function ask(): void {
    if (asking) return;
    asking = true;
    void stillAnswers().then((answers) => {
      asking = false;
      if (answers) lastAnswerAt = Date.now();
      else trip();
    });
  }

  const tickMs = Math.max(10, Math.floor(settings.stallMs / 4));
  let lastTickAt = Date.now();
  const watchdog = setInterval(() => {
    const now = Date.now();
    const late = now - lastTickAt > 2 * tickMs + 100;
    lastTickAt = now;
    // A late tick means this process was not running (SIGSTOP, a long GC, a
    // blocked loop): its waits say nothing about PostgreSQL, so start over.
    if (late) {
      lastAnswerAt = now;
      return;
    }
    if (asking || now - lastAnswerAt < settings.stallMs) return;
    const stuck = [...waiting].some((waiter) => now - waiter.since >= settings.stallMs);
    if (stuck) ask();
  }, tickMs);
  watchdog.unref();

  /**
   * Runs `start` as a waiter: settled by its own outcome, or abandoned by the
   * watchdog, or given up after `limitMs` (a purchase's deadline), whichever comes first.
   */
  function watched<T>(start: () => Promise<T>, onAbandoned: () => void, onLate: (value: T) => void, limitMs?: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let limit: NodeJS.Timeout | undefined;
      const waiter: Waiter = {
        since: Date.now(),
        abandon: (error) => {
          clearTimeout(limit);
          waiting.delete(waiter);
          onAbandoned();
          reject(error);
        },
      };
      waiting.add(waiter);
      if (limitMs !== undefined) limit = setTimeout(() => waiter.abandon(new PoolBusyError(`no connection within the ${Math.max(0, Math.round(limitMs))} ms left`)), Math.max(0, limitMs));
      start().then(
        (value) => {
          clearTimeout(limit);
          if (!waiting.delete(waiter)) return onLate(value);
          lastAnswerAt = Date.now();
          // Warm the asking connection in the background (it connects once; see stillAnswers).
          if (askerReady === undefined) openAsker(settings.probeMs).catch(() => undefined);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(limit);
          if (!waiting.delete(waiter)) return;
          // A lock holder resumed after a pause drew its fenced write at once; tripping here on
          // another query's late timer abandoned that write too (a 503 instead of the fence).
          if (ownTimerFired(error)) ask();
          else if (notAnswering(error)) trip();
          else lastAnswerAt = Date.now();
          reject(error);
        },
      );
    });
  }

  // How long a connection stays checked out, recently: with the queue length, it
  // predicts a purchase's wait for one. At 10x load, pg-atomic's buyers queued for
  // the pool until their deadline and answered 503 at p95 1.14 s; a lock holder's
  // write queued behind buyers' reads that were then turned away anyway.
  let holdMs: number | undefined;
  const recordHold = (ms: number): void => {
    holdMs = holdMs === undefined ? ms : holdMs + 0.2 * (ms - holdMs);
  };
  const poolMax = pool.options.max ?? 10;
  /** Why a purchase with `leftMs` to go cannot get a connection in time, or undefined. */
  function queueTooLong(leftMs: number): string | undefined {
    if (holdMs === undefined || pool.waitingCount === 0) return undefined;
    const predictedMs = ((pool.waitingCount + 1) * holdMs) / poolMax;
    if (predictedMs <= leftMs) return undefined;
    return `${pool.waitingCount} requests wait for a connection, ~${Math.round(predictedMs)} ms, past the ${Math.max(0, Math.round(leftMs))} ms left`;
  }

  return {
    options: pool.options,
    async connect(): Promise<PostgresPoolClient> {
      const left = msLeft();
      const hopeless = left === undefined ? undefined : queueTooLong(left);
      if (hopeless !== undefined) throw new PoolBusyError(hopeless);
      const taken = breaker.tryPass();
      if (taken === undefined) throw new CircuitOpenError('postgres');
      const pass = taken;
      // A connection that arrives after its request was given up goes straight back.
      // Inside a purchase, the wait for a connection ends with its deadline, not a budget of its own.
      const client = await watched(() => pool.connect(), () => undefined, (late) => late.release(), left);
      const checkedOutAt = performance.now();
      let broken = false;
      const lost = (): void => {
        broken = true;
        trip();
      };
      client.on('error', lost);
      // Kysely's view of the same client, for the typed query overloads.
      const inner: PostgresPoolClient = client;
      function query<R>(sqlText: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
      function query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
      function query<R>(first: string | PostgresCursor<R>, parameters?: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
        // Cursors (streaming) are not used here; passed through as they are.
        if (typeof first !== 'string') return inner.query(first);
        // A given-up statement still holds this connection: anything after it (a ROLLBACK) would wait behind it.
        if (broken) return Promise.reject(new CircuitOpenError('postgres'));
        return watched(
          () => inner.query<R>(first, parameters ?? []),
          () => {
            broken = true;
          },
          () => undefined,
        ).then(
          (result) => {
            breaker.succeeded(pass);
            return result;
          },
          (error: unknown) => {
            if (notAnswering(error)) broken = true;
            throw error;
          },
        );
      }
      return {
        query,
        // Destroyed rather than reused when a statement of it went unanswered or its connection was lost.
        release: (destroy?: boolean) => {
          client.off('error', lost);
          recordHold(performance.now() - checkedOutAt);
          client.release(destroy === true || broken);
        },
      };
    },
    async end() {
      clearInterval(watchdog);
      await asker?.end().catch(() => undefined);
      await pool.end();
    },
  };
}
