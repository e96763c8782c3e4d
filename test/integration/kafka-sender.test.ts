import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../../services/shared/config.js';
import { createKafka } from '../../services/shared/kafka.js';
import { createKafkaSender } from '../../services/shared/kafka-sender.js';
import { testConfig } from '../helpers/api.js';

describe('Kafka sender', () => {
  it('delivers every one of many concurrent sends exactly once, then refuses sends once closed', async () => {
    const kafka = createKafka(kafkaBrokers(testConfig()), 'kafka-sender-test', pino({ level: 'silent' }));
    const topic = `test-sender-${randomUUID()}`;
    // Topics of its own, one partition each, so the high watermark counts every message written.
    const sender = createKafkaSender(kafka, { PURCHASE_TOPIC: topic, ORDER_EVENTS_TOPIC: `${topic}-events`, TOPIC_PARTITIONS: 1 });
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
});
