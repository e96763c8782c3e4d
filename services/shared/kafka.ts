import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Log } from './log.js';

const pinoLevel: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino, at warn and above (kafkajs is chatty at info). */
export function createKafka(brokers: string[], clientId: string, log: Log): Kafka {
  return new Kafka({
    clientId,
    brokers,
    // Local brokers answer in milliseconds; these bound the wait when one is down.
    connectionTimeout: 2000,
    requestTimeout: 10000,
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      log[pinoLevel[entry.level] ?? 'info']({ component: 'kafka', namespace: entry.namespace, ...rest }, message);
    },
  });
}

export interface TopicSettings {
  PURCHASE_TOPIC: string;
  ORDER_EVENTS_TOPIC: string;
  TOPIC_PARTITIONS: number;
}

/**
 * Creates the project's topics when missing (idempotent). Both the API and the
 * worker call it, so neither depends on the broker auto-creating topics with
 * a single partition.
 */
export async function ensureTopics(kafka: Kafka, settings: TopicSettings): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 2 } });
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [settings.PURCHASE_TOPIC, settings.ORDER_EVENTS_TOPIC].filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: settings.TOPIC_PARTITIONS, replicationFactor: 1 })),
    });
  } finally {
    await admin.disconnect();
  }
}
