import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { Consumer, Kafka as KafkaClient } from 'kafkajs';
import { waitFor } from './processes.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

// kafkajs 2.2.4 sometimes arms a timer with a negative delay (Node clamps it to 1 ms, harmless);
// Node 24 reports that as a TimeoutNegativeWarning on stderr. Hide that one warning, keep the rest.
const warningListeners = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') for (const listener of warningListeners) listener(warning);
});

/** A topic of its own, so health checks never touch the application's topics. */
export const HEALTH_TOPIC = 'stack-health';
const HEALTH_GROUP = 'stack-health';

function client(brokers: string[]): KafkaClient {
  return new Kafka({
    clientId: 'flash-sale-stack',
    brokers,
    logLevel: logLevel.NOTHING, // failures surface as one-line errors from waitFor
    connectionTimeout: 3_000, // a local broker accepts in milliseconds
    requestTimeout: 15_000, // the first group join also creates __consumer_offsets
    retry: { retries: 1, initialRetryTime: 300 }, // waitFor does the patient retrying
  });
}

/** Waits for the consumer to see `token`, or rejects after `timeoutMs`. */
function consumeToken(consumer: Consumer, token: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`message not consumed within ${timeoutMs / 1000}s`)), timeoutMs);
    consumer
      .run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === token) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch((error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      });
  });
}

/** One attempt: create the health topic, produce a unique message, consume it in a group. */
async function roundTrip(brokers: string[], remainingMs: number): Promise<void> {
  const kafka = client(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    // One hour of retention: each `up` adds a message; nothing should pile up.
    const topic = { topic: HEALTH_TOPIC, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'retention.ms', value: '3600000' }] };
    await admin.createTopics({ topics: [topic], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
  const token = randomUUID();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic: HEALTH_TOPIC, acks: -1, messages: [{ value: token }] });
  } finally {
    await producer.disconnect();
  }
  // A fixed group with fromBeginning: it resumes at its committed offset, which is
  // before `token`, so the message cannot be missed. 6 s session (the broker's minimum)
  // lets a member left behind by a killed CLI expire quickly.
  const consumer = kafka.consumer({ groupId: HEALTH_GROUP, sessionTimeout: 6_000, rebalanceTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: HEALTH_TOPIC, fromBeginning: true });
    // 30 s per attempt: group join + fetch take ~1-3 s once the coordinator is loaded.
    await consumeToken(consumer, token, Math.min(remainingMs, 30_000));
  } finally {
    await consumer.disconnect();
  }
}

/** Waits until our broker creates a topic and round-trips a message. */
export function kafkaRoundTrip(brokers: string[], timeoutMs: number, abort?: () => string | undefined): Promise<void> {
  return waitFor(`kafka at ${brokers.join(',')}`, timeoutMs, (remaining) => roundTrip(brokers, remaining), abort, 1_000);
}

/** Checks an external cluster answers (metadata only: we create nothing on someone else's cluster). */
export function kafkaDescribe(brokers: string[], timeoutMs: number): Promise<void> {
  return waitFor(`external kafka at ${brokers.join(',')}`, timeoutMs, async () => {
    const admin = client(brokers).admin();
    await admin.connect();
    try {
      await admin.describeCluster();
    } finally {
      await admin.disconnect();
    }
  });
}
