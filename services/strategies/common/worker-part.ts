import type { Consumer } from 'kafkajs';
import type { Stoppable } from '../strategy.js';

/**
 * A worker part made of loops already running and a Kafka consumer to start:
 * the loops are stopped if the consumer cannot join its group, and stopping
 * the part stops the loops first, then leaves the group (disconnect waits for
 * the message in hand; the partitions move at once).
 */
export async function loopsAndConsumer(loops: readonly Stoppable[], startConsumer: () => Promise<Consumer>): Promise<Stoppable> {
  const stopLoops = () => Promise.all(loops.map((loop) => loop.stop()));
  try {
    const consumer = await startConsumer();
    return {
      async stop() {
        await stopLoops();
        await consumer.disconnect();
      },
    };
  } catch (error: unknown) {
    await stopLoops();
    throw error;
  }
}
