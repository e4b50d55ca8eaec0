import { createJsonCodec, type JsonValue } from '../../../connectors/codecs/json';
import { DEAD_LETTER_HEADERS, createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaSink, type KafkaSink, type OutgoingMessage } from '../../../connectors/kafka/sink';
import { createKafkaSource } from '../../../connectors/kafka/source';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { DeadLetterError, DecodeError } from '../../../src/errors';
import { testBrokers, uniqueName } from '../../support/kafka';
import { bytesCodec, committedOffsets, endOffsets, readUntil, recordCount } from './support';

/** Kinds of bad input, each with the code the JSON codec must give it. */
const MALFORMED: Array<{ bytes: Buffer; code: string }> = [
  { bytes: Buffer.from('{"id": 12, "x":'), code: 'MALFORMED' },
  { bytes: Buffer.from('not json at all'), code: 'MALFORMED' },
  { bytes: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), code: 'MALFORMED' },
  { bytes: Buffer.from('{"__proto__": {"polluted": true}}'), code: 'FORBIDDEN_KEY' },
  { bytes: Buffer.from('{"x": 1e999}'), code: 'NONFINITE' },
];

let sink: KafkaSink;
beforeAll(() => {
  sink = createKafkaSink({ brokers: testBrokers() });
});
afterAll(() => sink.close());

describe('dead-lettering in the Kafka source', () => {
  it('sends 1,000 malformed records among 10,000 good ones to the dead-letter topic, and commits to the end', async () => {
    const brokers = testBrokers();
    const topic = uniqueName('mixed');
    const dlq = `${topic}.dlq`;
    const partitions = 2;
    await ensureTopics({ brokers }, [
      { topic, partitions },
      { topic: dlq, partitions: 3 },
    ]);

    // Message i lands on partition i % 2 at offset floor(i / 2); every 11th (from the 6th) is bad.
    const total = 11_000;
    const isBad = (i: number) => i % 11 === 5;
    const messages: OutgoingMessage[] = Array.from({ length: total }, (_, i) => ({
      key: `key-${i}`,
      value: isBad(i) ? MALFORMED[i % MALFORMED.length].bytes : JSON.stringify({ id: i }),
      headers: { origin: String(i) },
      partition: i % partitions,
    }));
    await sink.send(topic, messages);

    const groupId = uniqueName('group');
    const source = createKafkaSource<JsonValue>({
      brokers,
      groupId,
      topics: [topic],
      codec: createJsonCodec(),
      deadLetter: createDeadLetterWriter({ sink, topic: dlq }),
      maxRecords: 700,
    });
    const good = await readUntil(source, (received) => {
      const last = new Map(received.map((batch) => [batch.partition, batch.nextOffset]));
      return last.get(0) === String(total / partitions) && last.get(1) === String(total / partitions);
    });
    const ids = good.flatMap((batch) => batch.records.map((record) => (record.value as { id: number }).id));
    expect(ids.length).toBe(10_000);
    expect(new Set(ids)).toEqual(new Set(Array.from({ length: total }, (_, i) => i).filter((i) => !isBad(i))));
    expect(await committedOffsets(brokers, groupId, topic)).toEqual(await endOffsets(brokers, topic));

    const dead = await readUntil(
      createKafkaSource<Buffer>({
        brokers,
        groupId: uniqueName('dlq-reader'),
        topics: [dlq],
        codec: bytesCodec,
        deadLetter: createDeadLetterWriter({ sink, topic: dlq }),
      }),
      (received) => recordCount(received) >= 1000,
    );
    const deadRecords = dead.flatMap((batch) => batch.records);
    expect(deadRecords).toHaveLength(1000);
    const problems: string[] = [];
    for (const record of deadRecords) {
      const i = Number(record.headers.origin);
      const where = `${topic}/${i % partitions}@${Math.floor(i / partitions)}`;
      const expected = {
        key: `key-${i}`,
        value: MALFORMED[i % MALFORMED.length].bytes.toString('hex'),
        [DEAD_LETTER_HEADERS.code]: MALFORMED[i % MALFORMED.length].code,
        [DEAD_LETTER_HEADERS.topic]: topic,
        [DEAD_LETTER_HEADERS.partition]: String(i % partitions),
        [DEAD_LETTER_HEADERS.offset]: String(Math.floor(i / partitions)),
      };
      const actual = {
        key: record.key,
        value: record.value.toString('hex'),
        [DEAD_LETTER_HEADERS.code]: record.headers[DEAD_LETTER_HEADERS.code],
        [DEAD_LETTER_HEADERS.topic]: record.headers[DEAD_LETTER_HEADERS.topic],
        [DEAD_LETTER_HEADERS.partition]: record.headers[DEAD_LETTER_HEADERS.partition],
        [DEAD_LETTER_HEADERS.offset]: record.headers[DEAD_LETTER_HEADERS.offset],
      };
      if (!isBad(i) || JSON.stringify(actual) !== JSON.stringify(expected) || !record.headers[DEAD_LETTER_HEADERS.message].startsWith(`${where}: json: `)) {
        problems.push(`${where}: ${JSON.stringify(actual)} ${record.headers[DEAD_LETTER_HEADERS.message]}`);
      }
    }
    expect(problems).toEqual([]);
    expect(new Set(deadRecords.map((record) => record.headers.origin)).size).toBe(1000);
  });

  it('ends the stream and commits nothing past a record it could not dead-letter', async () => {
    const brokers = testBrokers();
    const topic = uniqueName('undeliverable');
    const dlq = `${topic}.dlq`;
    // A dead-letter topic that refuses every record: its size limit is below any record with the x- headers.
    await ensureTopics({ brokers }, [{ topic }, { topic: dlq, maxMessageBytes: 64 }]);
    await sink.send(
      topic,
      Array.from({ length: 100 }, (_, i) => ({ value: i === 50 ? 'oops' : JSON.stringify({ id: i }) })),
    );

    const groupId = uniqueName('group');
    const source = createKafkaSource<JsonValue>({
      brokers,
      groupId,
      topics: [topic],
      codec: createJsonCodec(),
      maxRecords: 10,
      deadLetter: createDeadLetterWriter({ sink, topic: dlq }),
      deadLetterRetry: { retries: 1, initialDelayMs: 10 },
    });
    const delivered: number[] = [];
    const failure = await new Promise<unknown>((resolve) => {
      source.batches().subscribe({
        next: (batch) => {
          delivered.push(...batch.records.map((record) => (record.value as { id: number }).id));
          void batch.ack();
        },
        error: resolve,
        complete: () => resolve(undefined),
      });
    });
    // The broker refuses even the headers alone: the writer gives up with one line naming both topics and the offset.
    expect(failure).toBeInstanceOf(DeadLetterError);
    expect((failure as Error).message).toContain(`"${dlq}"`);
    expect((failure as Error).message).toContain(`${topic}/0@50`);
    expect((failure as Error).message).not.toContain('\n');
    expect(delivered).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await committedOffsets(brokers, groupId, topic)).get(0)).toBe('50');
    await source.stop();
  });
});

describe('createDeadLetterWriter', () => {
  it('keeps the original bytes, key and headers, and names the error and the source position', async () => {
    const brokers = testBrokers();
    const dlq = uniqueName('dlq');
    await ensureTopics({ brokers }, [{ topic: dlq }]);
    const writer = createDeadLetterWriter({ sink, topic: dlq });
    const bytes = Buffer.from([0, 1, 2, 250, 251]);
    await writer.write({
      raw: { key: Buffer.from('user-1'), value: bytes, headers: { trace: Buffer.from('abc') } },
      error: new Error('plain failure'),
      position: { topic: 'events', partition: 7, offset: '123456789012' },
    });
    await writer.write({
      raw: { key: null, value: Buffer.from('x'), headers: {} },
      error: new DecodeError('SCHEMA', 'events/0@5: json: wrong shape'),
      position: { topic: 'events', partition: 0, offset: '5' },
    });

    const [first, second] = (
      await readUntil(
        createKafkaSource<Buffer>({ brokers, groupId: uniqueName('reader'), topics: [dlq], codec: bytesCodec, deadLetter: writer }),
        (received) => recordCount(received) >= 2,
      )
    ).flatMap((batch) => batch.records);
    expect(first.value.equals(bytes)).toBe(true);
    expect(first.key).toBe('user-1');
    expect(first.headers).toEqual({
      trace: 'abc',
      'x-error-code': 'UNEXPECTED',
      'x-error-message': 'plain failure',
      'x-source-topic': 'events',
      'x-source-partition': '7',
      'x-source-offset': '123456789012',
    });
    expect(second.key).toBeNull();
    expect(second.headers['x-error-code']).toBe('SCHEMA');
    expect(second.headers['x-error-message']).toBe('events/0@5: json: wrong shape');
  });
});
