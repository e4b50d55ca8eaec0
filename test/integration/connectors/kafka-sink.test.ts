import { createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { createKafkaSource } from '../../../connectors/kafka/source';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { BrokerError, ConfigError } from '../../../src/errors';
import { testBrokers, uniqueName } from '../../support/kafka';
import { bytesCodec, readUntil, recordCount } from './support';

describe('the Kafka sink', () => {
  it('keeps keys, headers, partitions and the order of concurrent sends split over many requests', async () => {
    const brokers = testBrokers();
    const topic = uniqueName('sink');
    await ensureTopics({ brokers }, [{ topic, partitions: 2 }]);
    // Small requests, so the 10,000 messages of 20 concurrent sends take many of them.
    const sink = createKafkaSink({ brokers, maxBatchBytes: 20_000, maxBatchMessages: 300 });
    const sends = 20;
    const perSend = 500;
    try {
      await Promise.all(
        Array.from({ length: sends }, (_, s) =>
          sink.send(
            topic,
            Array.from({ length: perSend }, (_, j) => ({
              key: `k-${s}-${j}`,
              value: `v-${s}-${j}`,
              partition: j % 2,
              headers: { send: String(s), index: String(j) },
            })),
          ),
        ),
      );
    } finally {
      await sink.close();
    }
    await expect(sink.send(topic, [{ value: 'late' }])).rejects.toThrow(BrokerError);

    const batches = await readUntil(
      createKafkaSource<Buffer>({
        brokers,
        groupId: uniqueName('reader'),
        topics: [topic],
        codec: bytesCodec,
        deadLetter: createDeadLetterWriter({ sink, topic: 'unused' }),
      }),
      (received) => recordCount(received) >= sends * perSend,
    );
    for (const partition of [0, 1]) {
      const records = batches.filter((batch) => batch.partition === partition).flatMap((batch) => batch.records);
      // Sends are queued in call order and requests go out one at a time, so each partition holds them in that order.
      const expected = Array.from({ length: sends }, (_, s) =>
        Array.from({ length: perSend / 2 }, (_, half) => {
          const j = half * 2 + partition;
          return { key: `k-${s}-${j}`, value: `v-${s}-${j}`, headers: { send: String(s), index: String(j) } };
        }),
      ).flat();
      expect(records.map(({ key, value, headers }) => ({ key, value: value.toString(), headers }))).toEqual(expected);
    }
  });

  it('validates its configuration at construction', () => {
    expect(() => createKafkaSink({ brokers: [] })).toThrow(ConfigError);
    expect(() => createKafkaSink({ brokers: testBrokers(), maxBatchMessages: 0 })).toThrow(/maxBatchMessages must be a positive integer/);
    expect(() => createKafkaSink({ brokers: testBrokers(), lingerMs: -1 })).toThrow(/lingerMs must be >= 0/);
  });
});
