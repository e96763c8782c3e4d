import type { Consumer, Kafka } from 'kafkajs';
import { recordInboxEvent } from '../../../db/queries/inbox.js';
import { readOrderEvent } from './order-event.js';
import type { WorkerDeps } from '../strategy.js';
import { createConsumer, inboxGroup, logGroupEvents } from '../../worker/consumers.js';

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
      const event = readOrderEvent(message);
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
