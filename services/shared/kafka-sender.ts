import type { Kafka, Message, Producer } from 'kafkajs';
import { ensureTopics, type TopicSettings } from './kafka.js';

/** The one thing strategies need from Kafka: a durable send. */
export interface KafkaSender {
  /** Resolves once every in-sync replica has the messages (acks = -1). */
  send(topic: string, messages: Message[]): Promise<void>;
  /** Refuses new sends, waits for the ones under way, then disconnects. */
  close(): Promise<void>;
}

/** Calls of send() joined into one produce request at most (each may carry several messages). */
const maxSendsPerRequest = 500;

type Waiting = { messages: Message[]; resolve: () => void; reject: (error: unknown) => void };

/**
 * A producer that connects on first use (so the API starts while Kafka is
 * down and reports it in /health/ready) and reconnects after a failure.
 *
 * The idempotent producer has one request in flight, so one request per
 * purchase capped a hot SKU at one broker round trip each (~200/s on 2 cores,
 * p50 1.3 s in the compare run). Sends that arrive while a request is out wait
 * and leave together in the next one; each caller still resolves only once
 * its own messages are acknowledged, and shares its batch's failure.
 */
export function createKafkaSender(kafka: Kafka, settings: TopicSettings): KafkaSender {
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
        // Two quick retries (~300 ms): past that the purchase gets a 503, not a long hang.
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

  async function sendNow(topic: string, messages: Message[]): Promise<void> {
    const attempt = producer();
    const ready = await attempt;
    try {
      await ready.send({ topic, messages, acks: -1 });
    } catch (error: unknown) {
      // Start from a fresh connection next time; this one may be broken. Only
      // forget it if no other topic's flush has already replaced it.
      if (connecting === attempt) connecting = undefined;
      await ready.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async function flush(topic: string): Promise<void> {
    // The first batch always holds the send that started this flush, so the
    // loop awaits before it can end: flushes has the topic by then.
    for (let queue = waiting.get(topic); queue !== undefined && queue.length > 0; queue = waiting.get(topic)) {
      const batch = queue.splice(0, maxSendsPerRequest);
      try {
        await sendNow(topic, batch.flatMap((entry) => entry.messages));
        for (const entry of batch) entry.resolve();
      } catch (error: unknown) {
        for (const entry of batch) entry.reject(error);
      }
    }
    // Same synchronous step as the empty check above: a send arriving later starts a new flush.
    flushes.delete(topic);
  }

  return {
    send(topic, messages) {
      if (closed) return Promise.reject(new Error('Kafka sender is closed'));
      return new Promise<void>((resolve, reject) => {
        const queue = waiting.get(topic) ?? [];
        waiting.set(topic, queue);
        queue.push({ messages, resolve, reject });
        // One flush per topic at a time; it drains whatever arrives while it runs.
        if (!flushes.has(topic)) flushes.set(topic, flush(topic));
      });
    },
    async close() {
      closed = true;
      await Promise.all(flushes.values());
      const pending = connecting;
      connecting = undefined;
      if (pending !== undefined) await (await pending.catch(() => undefined))?.disconnect();
    },
  };
}
