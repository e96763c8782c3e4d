import type { KafkaMessage } from 'kafkajs';

export const orderConfirmedType = 'order.confirmed';

/**
 * An event on ORDER_EVENTS_TOPIC: written as the outbox row's payload in the
 * sale's own transaction (outbox strategy), published by the worker's relay
 * with the event id also in an `event-id` header, and recorded once per id by
 * the inbox consumer.
 */
export interface OrderEvent {
  eventId: string;
  type: string;
  orderId: string;
  sku: string;
  userId: string;
  quantity: number;
  strategy: string;
}

/** What the inbox records of an event: undefined when the message is unreadable (skipped, logged). */
export type InboxEvent = Pick<OrderEvent, 'eventId' | 'orderId' | 'sku' | 'type'>;

export function readOrderEvent(message: KafkaMessage): InboxEvent | undefined {
  try {
    const body = JSON.parse(message.value?.toString('utf8') ?? '') as Record<string, unknown>;
    // The header first: a consumer can tell the event without trusting the body's copy.
    const header = message.headers?.['event-id'];
    const eventId = header === undefined ? body.eventId : header.toString();
    const { orderId, sku, type } = body;
    if (typeof eventId !== 'string' || typeof orderId !== 'string' || typeof sku !== 'string' || typeof type !== 'string') return undefined;
    return { eventId, orderId, sku, type };
  } catch {
    return undefined;
  }
}
