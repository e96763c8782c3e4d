import { setTimeout as sleep } from 'node:timers/promises';
import type { Message } from 'kafkajs';
import { claimUnpublished, markPublished, type OutboxEvent } from '../../db/queries/outbox.js';
import type { StrategyDeps } from '../strategies/strategy.js';

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
async function relayRound(deps: StrategyDeps): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const events = await claimUnpublished(trx, deps.config.OUTBOX_BATCH_SIZE);
    if (events.length === 0) return 0;
    await deps.kafka.send(deps.config.ORDER_EVENTS_TOPIC, events.map(toMessage));
    await markPublished(trx, events.map((event) => event.id));
    return events.length;
  });
}

export interface OutboxRelay {
  stop(): Promise<void>;
}

export function startOutboxRelay(deps: StrategyDeps): OutboxRelay {
  const stopping = new AbortController();
  const pause = (ms: number) => sleep(ms, undefined, { signal: stopping.signal }).catch(() => undefined);
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const sent = await relayRound(deps);
        if (sent > 0) deps.log.debug({ sent }, 'outbox events published');
        // A full batch means more may be waiting: go again at once.
        if (sent < deps.config.OUTBOX_BATCH_SIZE) await pause(deps.config.OUTBOX_POLL_MS);
      } catch (error: unknown) {
        deps.log.warn({ err: error }, 'outbox relay round failed; retrying');
        await pause(failureBackoffMs);
      }
    }
  })();
  return {
    async stop() {
      stopping.abort();
      await loop;
    },
  };
}
