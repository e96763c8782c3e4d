import type { Kafka, Message, Producer } from 'kafkajs';
import { ensureTopics, type TopicSettings } from './kafka.js';

/** The one thing strategies need from Kafka: a durable send. */
export interface KafkaSender {
  /** Resolves once every in-sync replica has the messages (acks = -1). */
  send(topic: string, messages: Message[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A producer that connects on first use (so the API starts while Kafka is
 * down and reports it in /health/ready) and reconnects after a failure.
 */
/** Sends joined into one produce request at most: bounds a request's size. */
const maxSendsPerRequest = 500;

export function createKafkaSender(kafka: Kafka, settings: TopicSettings): KafkaSender {
  let connecting: Promise<Producer> | undefined;

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
    const ready = await producer();
    try {
      await ready.send({ topic, messages, acks: -1 });
    } catch (error: unknown) {
      // Start from a fresh connection next time; this one may be broken.
      connecting = undefined;
      await ready.disconnect().catch(() => undefined);
      throw error;
    }
  }

  // The idempotent producer has one request in flight, so one send per
  // purchase would cap a hot SKU at one broker round trip per purchase
  // (~200/s measured on 2 cores). Sends that arrive while a request is out
  // wait and leave together in the next one; each caller still resolves only
  // once its own messages are acknowledged, and shares the batch's failure.
  const waiting = new Map<string, Array<{ messages: Message[]; resolve: () => void; reject: (error: unknown) => void }>>();
  const flushing = new Set<string>();

  async function flush(topic: string): Promise<void> {
    flushing.add(topic);
    try {
      for (let queue = waiting.get(topic); queue !== undefined && queue.length > 0; queue = waiting.get(topic)) {
        const batch = queue.splice(0, maxSendsPerRequest);
        try {
          await sendNow(topic, batch.flatMap((entry) => entry.messages));
          for (const entry of batch) entry.resolve();
        } catch (error: unknown) {
          for (const entry of batch) entry.reject(error);
        }
      }
    } finally {
      flushing.delete(topic);
    }
  }

  return {
    send(topic, messages) {
      return new Promise<void>((resolve, reject) => {
        const queue = waiting.get(topic) ?? [];
        waiting.set(topic, queue);
        queue.push({ messages, resolve, reject });
        if (!flushing.has(topic)) void flush(topic);
      });
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      if (pending !== undefined) await (await pending.catch(() => undefined))?.disconnect();
    },
  };
}
