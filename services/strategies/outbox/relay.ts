import type { Message } from 'kafkajs';
import { claimUnpublished, markPublished, type OutboxEvent } from '../../../db/queries/outbox.js';
import { type PollLoop, startPollLoop } from '../../shared/poll-loop.js';
import type { WorkerDeps } from '../strategy.js';

// After a failed round (Kafka or PostgreSQL down) wait this long: recovers within
// a second once the store is back, without spinning on an error.
const failureBackoffMs = 1000;

function toMessage(event: OutboxEvent): Message {
  return {
    key: event.sku,
    value: JSON.stringify(event.payload),
    // The event id travels in a header too, so a consumer can dedup without parsing the body.
    headers: { 'event-id': event.id, 'event-type': event.type },
  };
}

/**
 * Claims the oldest unpublished rows (FOR UPDATE SKIP LOCKED), sends them with
 * acks from all replicas, and marks them published in the same transaction.
 * A crash after the send but before the commit sends them again later: at
 * least once, and the inbox turns that into exactly once.
 */
async function relayRound(deps: WorkerDeps): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const events = await claimUnpublished(trx, deps.config.OUTBOX_BATCH_SIZE);
    if (events.length === 0) return 0;
    await deps.kafka.send(deps.config.ORDER_EVENTS_TOPIC, events.map(toMessage));
    await markPublished(trx, events.map((event) => event.id));
    return events.length;
  });
}

export type OutboxRelay = PollLoop;

export function startOutboxRelay(deps: WorkerDeps): OutboxRelay {
  return startPollLoop(
    async () => {
      const sent = await relayRound(deps);
      if (sent > 0) deps.log.debug({ sent }, 'outbox events published');
      return sent;
    },
    { idleMs: deps.config.OUTBOX_POLL_MS, failureMs: failureBackoffMs, batchSize: deps.config.OUTBOX_BATCH_SIZE, log: deps.log, what: 'outbox relay' },
  );
}
