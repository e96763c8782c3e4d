import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import type { Log } from '../shared/log.js';

export const purchaseApplierGroup = 'flash-sale-purchase-applier';
export const inboxGroup = 'flash-sale-inbox';

/**
 * Consumer settings shared by both groups. Tuned so that a SIGKILLed worker's
 * partitions move to a live member within seconds, not the minutes of a default.
 */
export function createConsumer(kafka: Kafka, groupId: string): Consumer {
  const settings: ConsumerConfig = {
    groupId,
    // The broker's floor (group.min.session.timeout.ms = 6 s): a member that stops
    // heartbeating is dropped, and its partitions reassigned, ~6 s after it died.
    sessionTimeout: 6000,
    // A third of the session is Kafka's rule; 1 s also means a live member notices a rebalance within 1 s.
    heartbeatInterval: 1000,
    // How long a rebalance waits for live members to rejoin. They rejoin between messages,
    // and one message is a few statements each bounded by PG_STATEMENT_TIMEOUT_MS (2.5 s).
    rebalanceTimeout: 10000,
    // Idle long-poll bound: new messages still arrive at once; this only keeps stop() quick.
    maxWaitTimeInMs: 500,
    // Restart after a failed handler (PostgreSQL down): 5 tries from 300 ms, then kafkajs restarts the consumer.
    retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5000 },
  };
  return kafka.consumer(settings);
}

/**
 * Logs joins (with the partitions assigned) and crashes. Note that
 * consumer.run() itself resolves only after the first join, so a started
 * worker is a consuming worker.
 */
export function logGroupEvents(consumer: Consumer, groupId: string, log: Log): void {
  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    log.info({ groupId, memberId: event.payload.memberId, assignment: event.payload.memberAssignment }, 'consumer joined its group');
  });
  consumer.on(consumer.events.CRASH, (event) => {
    log.error({ groupId, err: event.payload.error, restart: event.payload.restart }, 'consumer crashed');
  });
}

/**
 * Whether a worker is consuming: both of its consumer groups have members.
 * An API's readiness cannot tell, and kafka-queue orders never settle without one.
 */
export async function workerIsConsuming(kafka: Kafka): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { groups } = await admin.describeGroups([purchaseApplierGroup, inboxGroup]);
    return groups.length === 2 && groups.every((group) => group.members.length > 0);
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
