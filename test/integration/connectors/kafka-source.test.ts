import type { Subscription } from 'rxjs';
import { createJsonCodec, type JsonValue } from '../../../connectors/codecs/json';
import { createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { createKafkaSink, type KafkaSink } from '../../../connectors/kafka/sink';
import { createKafkaSource, type KafkaSource, type KafkaSourceConfig } from '../../../connectors/kafka/source';
import { ensureTopics } from '../../../connectors/kafka/topics';
import type { MicroBatch } from '../../../connectors/types';
import { BrokerError } from '../../../src/errors';
import { testBrokers, uniqueName } from '../../support/kafka';
import { committedOffsets, endOffsets, readUntil, recordCount } from './support';

type Row = { id: number };

let sink: KafkaSink;
/** Stopped after each test, so that a failed assertion leaves no consumer running. */
const sources: KafkaSource<JsonValue>[] = [];
beforeAll(() => {
  sink = createKafkaSink({ brokers: testBrokers() });
});
afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
});
afterAll(() => sink.close());

/** Record `id` goes to partition `id % partitions`, so it lands at offset `floor(id / partitions)` of a fresh topic. */
async function topicWithRows(count: number, partitions: number): Promise<string> {
  const topic = uniqueName('rows');
  await ensureTopics({ brokers: testBrokers() }, [{ topic, partitions }, { topic: `${topic}.dlq` }]);
  const messages = Array.from({ length: count }, (_, id) => ({ key: `k${id}`, value: JSON.stringify({ id }), partition: id % partitions }));
  await sink.send(topic, messages);
  return topic;
}

function jsonSource(topic: string, groupId: string, overrides: Partial<KafkaSourceConfig<JsonValue>> = {}) {
  const source = createKafkaSource<JsonValue>({
    brokers: testBrokers(),
    groupId,
    topics: [topic],
    codec: createJsonCodec(),
    deadLetter: createDeadLetterWriter({ sink, topic: `${topic}.dlq` }),
    ...overrides,
  });
  sources.push(source);
  return source;
}

const idOf = (value: JsonValue) => (value as Row).id;

/**
 * Acknowledges batches until `count` have arrived and leaves the last one un-acknowledged. Resolves with the
 * batches and the still-open subscription.
 */
function holdBatch<T>(source: KafkaSource<T>, count: number): Promise<{ batches: MicroBatch<T>[]; subscription: Subscription }> {
  const batches: MicroBatch<T>[] = [];
  return new Promise((resolve, reject) => {
    const subscription = source.batches().subscribe({
      next: (batch) => {
        batches.push(batch);
        if (batches.length < count) void batch.ack();
        else resolve({ batches, subscription });
      },
      error: reject,
    });
  });
}

describe('the Kafka source', () => {
  it('delivers 100,000 records over 3 partitions exactly once, in offset order within each partition', async () => {
    const partitions = 3;
    const total = 100_000;
    const maxRecords = 4000;
    const topic = await topicWithRows(total, partitions);
    const groupId = uniqueName('group');
    const batches = await readUntil(jsonSource(topic, groupId, { maxRecords }), (received) => recordCount(received) >= total);

    const seen = new Set<number>();
    const nextExpected = new Map<number, bigint>();
    const mismatches: string[] = [];
    for (const batch of batches) {
      expect(batch.records.length).toBeGreaterThan(0);
      expect(batch.records.length).toBeLessThanOrEqual(maxRecords);
      // Contiguous with the previous batch of the partition, starting at 0.
      expect(BigInt(batch.firstOffset)).toBe(nextExpected.get(batch.partition) ?? 0n);
      batch.records.forEach((record, i) => {
        const id = idOf(record.value);
        // Produced in id order, so offset order within the partition is id order.
        const expectedId = (Number(batch.firstOffset) + i) * partitions + batch.partition;
        if (
          record.partition !== batch.partition ||
          BigInt(record.offset) !== BigInt(batch.firstOffset) + BigInt(i) ||
          id !== expectedId ||
          record.key !== `k${id}`
        ) {
          mismatches.push(`${record.partition}@${record.offset}: id ${id}, key ${record.key}`);
        }
        seen.add(id);
      });
      expect(batch.lastOffset).toBe(batch.records[batch.records.length - 1].offset);
      expect(batch.nextOffset).toBe(String(BigInt(batch.lastOffset) + 1n));
      nextExpected.set(batch.partition, BigInt(batch.nextOffset));
    }
    expect(mismatches).toEqual([]);
    expect(recordCount(batches)).toBe(total);
    expect(seen.size).toBe(total);
    const ends = await endOffsets(testBrokers(), topic);
    for (const [partition, end] of ends) {
      expect(nextExpected.get(partition)).toBe(BigInt(end));
      const last = batches.filter((batch) => batch.partition === partition).at(-1);
      expect(last?.lag).toBe(0);
    }
    expect(await committedOffsets(testBrokers(), groupId, topic)).toEqual(ends);
  });

  it('commits nothing for a batch left un-acknowledged at stop, and delivers exactly that batch again on restart', async () => {
    const topic = await topicWithRows(3000, 2);
    const groupId = uniqueName('group');
    const first = jsonSource(topic, groupId, { maxRecords: 100, maxWaitMs: 200 });
    const { batches, subscription } = await holdBatch(first, 6);
    const held = batches[batches.length - 1];

    // Backpressure: nothing else arrives while the batch waits, over several fetch waits.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(batches).toHaveLength(6);

    await first.stop();
    expect(subscription.closed).toBe(true);
    // Acknowledging after the stop must not commit either.
    await held.ack();
    const committed = await committedOffsets(testBrokers(), groupId, topic);
    const ackedEnd = (partition: number) =>
      batches
        .slice(0, -1)
        .filter((batch) => batch.partition === partition)
        .at(-1)?.nextOffset ?? '-1';
    expect(committed.get(held.partition)).toBe(ackedEnd(held.partition));
    expect(committed.get(1 - held.partition)).toBe(ackedEnd(1 - held.partition));

    const second = jsonSource(topic, groupId, { maxRecords: 100, maxWaitMs: 200 });
    const again = await readUntil(second, (received) => received.some((batch) => batch.partition === held.partition));
    const redelivered = again.find((batch) => batch.partition === held.partition);
    expect(redelivered?.firstOffset).toBe(held.firstOffset);
    expect(redelivered?.lastOffset).toBe(held.lastOffset);
    expect(redelivered?.records.map((r) => [r.offset, r.key, r.value])).toEqual(held.records.map((r) => [r.offset, r.key, r.value]));
    const other = again.find((batch) => batch.partition !== held.partition);
    if (other) expect(other.firstOffset).toBe(committed.get(other.partition) === '-1' ? '0' : committed.get(other.partition));
  });

  it('starts exactly at explicit offsets, even for a group that committed elsewhere', async () => {
    const topic = await topicWithRows(2000, 2);
    const groupId = uniqueName('group');
    await readUntil(jsonSource(topic, groupId), (received) => recordCount(received) >= 2000);
    expect(await committedOffsets(testBrokers(), groupId, topic)).toEqual(await endOffsets(testBrokers(), topic));

    const offsets = [
      { topic, partition: 0, offset: '123' },
      { topic, partition: 1, offset: '777' },
    ];
    const expectedCount = 1000 - 123 + (1000 - 777);
    const batches = await readUntil(jsonSource(topic, groupId, { startFrom: { offsets } }), (received) => recordCount(received) >= expectedCount);
    for (const { partition, offset } of offsets) {
      const own = batches.filter((batch) => batch.partition === partition);
      expect(own[0].firstOffset).toBe(offset);
      const ids = own.flatMap((batch) => batch.records.map((record) => idOf(record.value)));
      expect(ids).toEqual(Array.from({ length: 1000 - Number(offset) }, (_, i) => (Number(offset) + i) * 2 + partition));
    }
    expect(recordCount(batches)).toBe(expectedCount);
  });

  it('starts at the end with startFrom latest, and at the start with earliest regardless of commits', async () => {
    const topic = await topicWithRows(500, 1);
    const groupId = uniqueName('group');
    await readUntil(jsonSource(topic, groupId), (received) => recordCount(received) >= 200);

    const earliest = await readUntil(jsonSource(topic, groupId, { startFrom: 'earliest' }), (received) => received.length >= 1);
    expect(earliest[0].firstOffset).toBe('0');

    const latest = jsonSource(topic, uniqueName('group'), { startFrom: 'latest' });
    let arrived = false;
    const reading = readUntil(latest, (received) => (arrived = received.length >= 1));
    // When the source resolves 'latest' is not observable from here, so new records keep coming until one arrives.
    for (let id = 500; !arrived; id++) {
      await sink.send(topic, [{ value: JSON.stringify({ id }) }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const [batch] = await reading;
    expect(BigInt(batch.firstOffset)).toBeGreaterThanOrEqual(500n);
    expect(batch.records.map((record) => idOf(record.value))).toEqual(batch.records.map((record) => Number(record.offset)));
  });

  it('keeps its group membership through processing longer than the session timeout, by heartbeating', async () => {
    const topic = await topicWithRows(300, 1);
    const groupId = uniqueName('group');
    const source = jsonSource(topic, groupId, { maxRecords: 100, sessionTimeoutMs: 6000, heartbeatIntervalMs: 1000 });
    const { batches, subscription } = await holdBatch(source, 1);
    await new Promise((resolve) => setTimeout(resolve, 9000));
    await batches[0].ack();
    // The commit only succeeds for a member the coordinator still knows.
    expect((await committedOffsets(testBrokers(), groupId, topic)).get(0)).toBe('100');
    subscription.unsubscribe();
  });

  it('leaves commits to commit() when commitOnAck is off, as a member while running and through the admin API after', async () => {
    const topic = await topicWithRows(500, 1);
    const groupId = uniqueName('group');
    const source = jsonSource(topic, groupId, { maxRecords: 100, commitOnAck: false });
    let committedWhileRunning: Promise<string | undefined> | undefined;
    await readUntil(source, (received) => {
      if (received.length === 2) {
        committedWhileRunning = source
          .commit([{ topic, partition: 0, offset: '150' }])
          .then(async () => (await committedOffsets(testBrokers(), groupId, topic)).get(0));
      }
      return recordCount(received) >= 500;
    });
    expect(await committedWhileRunning).toBe('150');
    // Five acknowledged batches, and still only what commit() was given.
    expect((await committedOffsets(testBrokers(), groupId, topic)).get(0)).toBe('150');

    await source.commit([{ topic, partition: 0, offset: '420' }]);
    expect((await committedOffsets(testBrokers(), groupId, topic)).get(0)).toBe('420');
    const resumed = await readUntil(jsonSource(topic, groupId), (received) => received.length >= 1);
    expect(resumed[0].firstOffset).toBe('420');
  });

  it('ends the stream with a retriable BrokerError when the consumer crashes (its topic deleted under it)', async () => {
    const topic = await topicWithRows(300, 1);
    const source = jsonSource(topic, uniqueName('group'), { maxRecords: 100 });
    const admin = createKafkaClient({ brokers: testBrokers() }).admin();
    await admin.connect();
    try {
      const failure = await new Promise<unknown>((resolve) => {
        source.batches().subscribe({
          next: (batch) => {
            void batch.ack();
            if (batch.nextOffset === '300') void admin.deleteTopics({ topics: [topic] });
          },
          error: resolve,
          complete: () => resolve(undefined),
        });
      });
      expect(failure).toBeInstanceOf(BrokerError);
      expect((failure as BrokerError).message).toMatch(new RegExp(`^the Kafka source of group "group-\\w+" on ${topic} crashed: `));
      expect((failure as BrokerError).retriable).toBe(true);
    } finally {
      await admin.disconnect();
    }
  });

  it('fails to start with a clear error when the topic does not exist', async () => {
    const missing = uniqueName('missing');
    const source = jsonSource(missing, uniqueName('group'), { deadLetter: createDeadLetterWriter({ sink, topic: 'unused' }) });
    await expect(readUntil(source, () => true)).rejects.toThrow(`topic "${missing}" does not exist`);
  });
});
