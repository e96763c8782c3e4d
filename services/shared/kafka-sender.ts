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

  return {
    async send(topic, messages) {
      const ready = await producer();
      try {
        await ready.send({ topic, messages, acks: -1 });
      } catch (error: unknown) {
        // Start from a fresh connection next time; this one may be broken.
        connecting = undefined;
        await ready.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      const pending = connecting;
      connecting = undefined;
      if (pending !== undefined) await (await pending.catch(() => undefined))?.disconnect();
    },
  };
}
