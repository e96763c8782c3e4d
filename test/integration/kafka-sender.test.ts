import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { Kafka } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../../services/shared/config.js';
import { createKafka } from '../../services/shared/kafka.js';
import { createKafkaSender, KafkaSendRefusedError } from '../../services/shared/kafka-sender.js';
import { testConfig } from '../helpers/api.js';

/** A paused broker, without pausing the shared one: a TCP server that accepts and never writes. */
async function stalledBroker(): Promise<{ sockets: Set<Socket>; server: Server; kafka: Kafka }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  const kafka = createKafka([`127.0.0.1:${address.port}`], 'kafka-sender-stalled-test', pino({ level: 'silent' }));
  return { sockets, server, kafka };
}

describe('Kafka sender', () => {
  it('delivers every one of many concurrent sends exactly once, then refuses sends once closed', async () => {
    const kafka = createKafka(kafkaBrokers(testConfig()), 'kafka-sender-test', pino({ level: 'silent' }));
    const topic = `test-sender-${randomUUID()}`;
    // Topics of its own, one partition each, so the high watermark counts every message written.
    const sender = createKafkaSender(kafka, { ...testConfig(), PURCHASE_TOPIC: topic, ORDER_EVENTS_TOPIC: `${topic}-events`, TOPIC_PARTITIONS: 1 });
    const admin = kafka.admin();
    try {
      // 300 sends at once: most wait for the request in flight and leave together; none may be lost or doubled.
      const sends = Array.from({ length: 300 }, (_, i) => sender.send(topic, [{ key: 'sku', value: String(i) }]));
      await Promise.all(sends);
      // Two messages in one send stay one send's worth: a later send still goes out on its own.
      await sender.send(topic, [{ value: 'a' }, { value: 'b' }]);

      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.map((o) => Number(o.high))).toEqual([302]);

      await sender.close();
      await expect(sender.send(topic, [{ value: 'late' }])).rejects.toThrow(/closed/);
    } finally {
      await sender.close();
      await admin.deleteTopics({ topics: [topic, `${topic}-events`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('with a broker that accepts and never answers: refused within the deadline, then at once, then one probe after the cooldown', async () => {
    const { sockets, server, kafka } = await stalledBroker();
    const sender = createKafkaSender(kafka, { ...testConfig(), KAFKA_SEND_TIMEOUT_MS: 300, KAFKA_BREAKER_COOLDOWN_MS: 500 });
    const topic = 'never-reached';
    const timed = async (send: Promise<void>): Promise<{ error: unknown; ms: number }> => {
      const started = performance.now();
      const error = await send.then(() => undefined, (e: unknown) => e);
      return { error, ms: performance.now() - started };
    };
    try {
      // The first send waits out its deadline, not kafkajs' connect and retries; it never left.
      const first = await timed(sender.send(topic, [{ value: 'a' }]));
      expect(first.error).toBeInstanceOf(KafkaSendRefusedError);
      expect(first.ms).toBeGreaterThanOrEqual(290);
      expect(first.ms).toBeLessThan(600);
      // The breaker is open: refused at once, without waiting on the broker.
      expect(sender.accepting()).toBe(false);
      const second = await timed(sender.send(topic, [{ value: 'b' }]));
      expect(second.error).toBeInstanceOf(KafkaSendRefusedError);
      expect(String(second.error)).toMatch(/circuit open/);
      expect(second.ms).toBeLessThan(50);
      // After the cooldown one probe goes; while it is out, the rest are refused at once.
      await sleep(550);
      expect(sender.accepting()).toBe(true);
      const probe = timed(sender.send(topic, [{ value: 'probe' }]));
      expect(sender.accepting()).toBe(false);
      expect((await timed(sender.send(topic, [{ value: 'c' }]))).ms).toBeLessThan(50);
      const probed = await probe;
      expect(probed.error).toBeInstanceOf(KafkaSendRefusedError);
      expect(probed.ms).toBeLessThan(600);
      expect(sender.accepting()).toBe(false);
    } finally {
      const closing = performance.now();
      await sender.close();
      // Closing does not wait on the stalled connection past one deadline.
      expect(performance.now() - closing).toBeLessThan(1000);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("ends a send at the caller's own deadline when it comes before KAFKA_SEND_TIMEOUT_MS (a buyer's PURCHASE_WAIT_MS)", async () => {
    const { sockets, server, kafka } = await stalledBroker();
    const sender = createKafkaSender(kafka, { ...testConfig(), KAFKA_SEND_TIMEOUT_MS: 3000 });
    try {
      const started = performance.now();
      const error = await sender.send('never-reached', [{ value: 'a' }], Date.now() + 250).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(KafkaSendRefusedError);
      // Before the fix it waited out the 3 s sender deadline.
      expect(performance.now() - started).toBeLessThan(1000);
    } finally {
      await sender.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
