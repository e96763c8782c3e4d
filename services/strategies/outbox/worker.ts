import { loopsAndConsumer } from '../common/worker-part.js';
import type { Stoppable, WorkerParts } from '../strategy.js';
import { startInboxConsumer } from './inbox-consumer.js';
import { startOutboxRelay } from './relay.js';

/** outbox's part of the worker: the relay that publishes committed events, and the consumer that applies each once (the inbox). */
export function startOutboxWorker(parts: WorkerParts): Promise<Stoppable> {
  return loopsAndConsumer([startOutboxRelay(parts)], () => startInboxConsumer(parts.kafkaClient, parts));
}
