import { loopsAndConsumer } from '../common/worker-part.js';
import type { Stoppable, WorkerParts } from '../strategy.js';
import { startPurchaseApplier } from './applier.js';
import { startQueueSweeper } from './sweeper.js';

/** kafka-queue's part of the worker: the applier (one consumer group, one owner per partition) and the sweeper that re-sends stranded purchases. */
export function startKafkaQueueWorker(parts: WorkerParts): Promise<Stoppable> {
  return loopsAndConsumer([startQueueSweeper(parts)], () => startPurchaseApplier(parts.kafkaClient, parts));
}
