import { createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { createKafkaSource } from '../../../connectors/kafka/source';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { BrokerError, ConfigError } from '../../../src/errors';
import { testBrokers, uniqueName } from '../../support/kafka';
import { readAll } from '../topology/support';
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
    expect(() => createKafkaSink({ brokers: testBrokers(), compression: 'lz4' as 'gzip' })).toThrow('compression must be "none" or "gzip", got "lz4"');
  });

  it('sends gzip-compressed, at once (latencyBound), with keys, tombstones and order kept', async () => {
    const brokers = testBrokers();
    const topic = uniqueName('sink-gzip');
    await ensureTopics({ brokers }, [{ topic }]);
    const sink = createKafkaSink({ brokers, compression: 'gzip', latencyBound: true });
    const big = Buffer.alloc(200_000, 7);
    try {
      // Two sends in the same synchronous run share a request; the third goes on its own.
      await Promise.all([sink.send(topic, [{ key: 'a', value: big }]), sink.send(topic, [{ key: 'b', value: 'small' }])]);
      await sink.send(topic, [{ key: 'a', value: null }]);
    } finally {
      await sink.close();
    }
    const records = await readAll(brokers, topic);
    expect(records.map(({ key, value }) => [key, value?.length ?? null])).toEqual([
      ['a', big.length],
      ['b', 5],
      ['a', null],
    ]);
    expect(records[0].value!.equals(big)).toBe(true);
  });
});
