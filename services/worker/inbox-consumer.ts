import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import { recordInboxEvent } from '../../db/queries/inbox.js';
import type { WorkerDeps } from './deps.js';
import { createConsumer, inboxGroup, logGroupEvents } from './consumers.js';

interface InboxEvent {
  eventId: string;
  orderId: string;
  sku: string;
  type: string;
}

function readEvent(message: KafkaMessage): InboxEvent | undefined {
  try {
    const body = JSON.parse(message.value?.toString('utf8') ?? '') as Record<string, unknown>;
    const header = message.headers?.['event-id'];
    const eventId = header === undefined ? body.eventId : header.toString();
    const { orderId, sku, type } = body;
    if (typeof eventId !== 'string' || typeof orderId !== 'string' || typeof sku !== 'string' || typeof type !== 'string') return undefined;
    return { eventId, orderId, sku, type };
  } catch {
    return undefined;
  }
}

/**
 * The downstream consumer of ORDER_EVENTS_TOPIC. The relay delivers at least
 * once; recording each event id once (ON CONFLICT DO NOTHING) makes the
 * effect exactly once, however often an event arrives.
 */
export async function startInboxConsumer(kafka: Kafka, deps: WorkerDeps): Promise<Consumer> {
  const consumer = createConsumer(kafka, inboxGroup);
  logGroupEvents(consumer, inboxGroup, deps.log);
  await consumer.connect();
  await consumer.subscribe({ topics: [deps.config.ORDER_EVENTS_TOPIC], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: deps.config.TOPIC_PARTITIONS,
    eachMessage: async ({ message, partition }) => {
      const event = readEvent(message);
      if (event === undefined) {
        deps.log.error({ partition, offset: message.offset }, 'unreadable order event skipped');
        return;
      }
      const recorded = await recordInboxEvent(deps.db, { event_id: event.eventId, order_id: event.orderId, sku: event.sku, type: event.type });
      if (!recorded) deps.log.debug({ eventId: event.eventId }, 'duplicate order event ignored');
    },
  });
  return consumer;
}
