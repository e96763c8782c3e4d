import type { Kafka, Message, Producer } from 'kafkajs';
import { createCircuitBreaker } from '../../lib/circuit-breaker.js';
import { ensureTopics, type TopicSettings } from './kafka.js';

/** The one thing strategies need from Kafka: a durable send, answered in bounded time. */
export interface KafkaSender {
  /**
   * Resolves once every in-sync replica has the messages (acks = -1), within
   * KAFKA_SEND_TIMEOUT_MS of the call, or by `deadlineAt` (epoch ms) when the
   * caller's own deadline comes first (a buyer's PURCHASE_WAIT_MS). Rejects with KafkaSendRefusedError when
   * the messages certainly never left, with KafkaSendUnconfirmedError when they
   * may have (a late acknowledgement, or a late delivery, is still possible).
   */
  send(topic: string, messages: Message[], deadlineAt?: number): Promise<void>;
  /** False while sends are refused at once (after a failure, until the probe): a caller can refuse before doing any work. */
  accepting(): boolean;
  /** Refuses new sends, waits for the ones under way, then disconnects. */
  close(): Promise<void>;
}

export interface SenderSettings extends TopicSettings {
  KAFKA_SEND_TIMEOUT_MS: number;
  KAFKA_BREAKER_COOLDOWN_MS: number;
}

/** The messages certainly did not reach Kafka: breaker open, no connection in time, or the sender closed. */
export class KafkaSendRefusedError extends Error {
  override readonly name = 'KafkaSendRefusedError';
}

/** The request left but was not acknowledged in time, or failed mid-way: the messages may be in Kafka, or still land. */
export class KafkaSendUnconfirmedError extends Error {
  override readonly name = 'KafkaSendUnconfirmedError';
}

/** Calls of send() joined into one produce request at most (each may carry several messages). */
const maxSendsPerRequest = 500;

type Waiting = { messages: Message[]; deadlineAt: number; resolve: () => void; reject: (error: unknown) => void };

/** `promise`, or `timedOut()` thrown at `deadlineAt`; the promise itself is left to settle on its own. */
async function before<T>(promise: Promise<T>, deadlineAt: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), Math.max(0, deadlineAt - Date.now()));
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A producer that connects on first use (so the API starts while Kafka is
 * down and reports it in /health/ready) and reconnects after a failure.
 *
 * The idempotent producer has one request in flight, so one request per
 * purchase capped a hot SKU at one broker round trip each (~200/s on 2 cores,
 * p50 1.3 s in the compare run). Sends that arrive while a request is out wait
 * and leave together in the next one; each caller still resolves only once
 * its own messages are acknowledged, and shares its batch's failure.
 *
 * Bounded: no caller waits past its deadline (KAFKA_SEND_TIMEOUT_MS from its
 * call) for kafkajs' own connect and retries, which took 7-23 s with the
 * broker down. A request past its deadline is abandoned with its producer
 * (disconnected, so its retries stop; the next request connects afresh), and
 * any failure opens a circuit breaker: sends are refused at once for
 * KAFKA_BREAKER_COOLDOWN_MS, then one request probes the broker.
 */
export function createKafkaSender(kafka: Kafka, settings: SenderSettings): KafkaSender {
  const timeoutMs = settings.KAFKA_SEND_TIMEOUT_MS;
  const breaker = createCircuitBreaker({ cooldownMs: settings.KAFKA_BREAKER_COOLDOWN_MS });
  let connecting: Promise<Producer> | undefined;
  let closed = false;
  const waiting = new Map<string, Waiting[]>();
  const flushes = new Map<string, Promise<void>>();

  function producer(): Promise<Producer> {
    connecting ??= (async () => {
      await ensureTopics(kafka, settings);
      const created = kafka.producer({
        // Idempotent producer: broker-side dedup of retried batches, so a retry never doubles a message.
        idempotent: true,
        maxInFlightRequests: 1,
        // Two quick retries (~300 ms), inside the send deadline when the broker merely hiccups.
        retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      });
      await created.connect();
      return created;
    })().catch((error: unknown) => {
      connecting = undefined;
      throw error;
    });
    return connecting;
  }

  /** Start from a fresh connection next time; disconnecting also ends kafkajs' retries of what it still holds. */
  function discard(attempt: Promise<Producer>): void {
    if (connecting === attempt) connecting = undefined;
    attempt.then((stale) => stale.disconnect()).catch(() => undefined);
  }

  async function request(topic: string, messages: Message[], deadlineAt: number): Promise<void> {
    const attempt = producer();
    // A connection still being made when the deadline comes is left to finish
    // (the next request uses it); nothing was sent, so the callers are told so.
    const ready = await before(attempt, deadlineAt, () => new KafkaSendRefusedError('no connection to Kafka within the send deadline; not sent')).catch((error: unknown) => {
      throw error instanceof KafkaSendRefusedError ? error : new KafkaSendRefusedError('no connection to Kafka; not sent', { cause: error });
    });
    const sending = ready.send({ topic, messages, acks: -1 });
    try {
      await before(sending, deadlineAt, () => new KafkaSendUnconfirmedError('Kafka did not acknowledge within the send deadline'));
    } catch (error: unknown) {
      // Abandoned, not cancelled: bytes already written may still land.
      sending.catch(() => undefined);
      discard(attempt);
      throw error instanceof KafkaSendUnconfirmedError ? error : new KafkaSendUnconfirmedError('Kafka refused or dropped the request', { cause: error });
    }
  }

  async function flush(topic: string): Promise<void> {
    // The first batch always holds the send that started this flush, so the
    // loop awaits before it can end: flushes has the topic by then.
    for (let queue = waiting.get(topic); queue !== undefined && queue.length > 0; queue = waiting.get(topic)) {
      const batch = queue.splice(0, maxSendsPerRequest);
      const now = Date.now();
      // A caller queued behind a request that used up its time never left.
      const live = batch.filter((entry) => entry.deadlineAt > now);
      for (const entry of batch) if (entry.deadlineAt <= now) entry.reject(new KafkaSendRefusedError('no turn to send within the send deadline; not sent'));
      if (live.length === 0) continue;
      const pass = breaker.tryPass();
      if (pass === undefined) {
        for (const entry of live) entry.reject(new KafkaSendRefusedError('Kafka is unavailable (circuit open after a failed send); not sent'));
        continue;
      }
      try {
        // The earliest deadline in the batch: no caller in it waits past its own.
        await request(topic, live.flatMap((entry) => entry.messages), Math.min(...live.map((entry) => entry.deadlineAt)));
        breaker.succeeded(pass);
        for (const entry of live) entry.resolve();
      } catch (error: unknown) {
        breaker.failed();
        for (const entry of live) entry.reject(error);
      }
    }
    // Same synchronous step as the empty check above: a send arriving later starts a new flush.
    flushes.delete(topic);
  }

  return {
    send(topic, messages, deadlineAt = Number.POSITIVE_INFINITY) {
      if (closed) return Promise.reject(new KafkaSendRefusedError('Kafka sender is closed'));
      if (!breaker.allows()) return Promise.reject(new KafkaSendRefusedError('Kafka is unavailable (circuit open after a failed send); not sent'));
      return new Promise<void>((resolve, reject) => {
        const queue = waiting.get(topic) ?? [];
        waiting.set(topic, queue);
        queue.push({ messages, deadlineAt: Math.min(Date.now() + timeoutMs, deadlineAt), resolve, reject });
        // One flush per topic at a time; it drains whatever arrives while it runs.
        if (!flushes.has(topic)) flushes.set(topic, flush(topic));
      });
    },
    accepting() {
      return !closed && breaker.allows();
    },
    async close() {
      closed = true;
      await Promise.all(flushes.values());
      const pending = connecting;
      connecting = undefined;
      if (pending === undefined) return;
      // A connection still being made to a stalled broker is not waited for past one deadline.
      await before(pending.then((ready) => ready.disconnect()), Date.now() + timeoutMs, () => new Error('disconnect timed out')).catch(() => undefined);
    },
  };
}
