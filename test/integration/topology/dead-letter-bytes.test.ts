import { createArrowCodec, tableFromColumns } from '../../../connectors/codecs/arrow';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { DEAD_LETTER_HEADERS, createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaSink, type OutgoingMessage } from '../../../connectors/kafka/sink';
import { createKafkaSource } from '../../../connectors/kafka/source';
import { ensureTopics } from '../../../connectors/kafka/topics';
import type { DecodedRecord } from '../../../connectors/types';
import { createAccuracy, createRmse } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLinearRegression, createLogisticRegression } from '../../../src/learners';
import { runTopology } from '../../../src/topology/run-topology';
import { defineTopology, topicsFor, type TopologyConfig } from '../../../src/topology/topology';
import { testBrokers, uniqueName } from '../../support/kafka';
import { bytesCodec, readUntil, recordCount } from '../connectors/support';

const features = () => createVectorAssembler({ inputCols: ['x0', 'x1'], outputCol: 'features' });

async function send(brokers: string[], topic: string, messages: OutgoingMessage[]): Promise<void> {
  await ensureTopics({ brokers }, [{ topic }]);
  const sink = createKafkaSink({ brokers });
  await sink.send(topic, messages);
  await sink.close();
}

/** Runs the topology over `total` records, then reads its dead-letter topic as bytes. */
async function deadLetters(
  config: Omit<TopologyConfig, 'outputs' | 'input'> & { input: Omit<TopologyConfig['input'], 'topic'> },
  messages: OutgoingMessage[],
  records: number,
  letters: number,
) {
  const brokers = testBrokers();
  const topics = topicsFor(config.name, '');
  await send(brokers, topics.input, messages);
  const topology = defineTopology({ ...config, input: { ...config.input, topic: topics.input }, outputs: topics });
  const running = await runTopology(topology, { brokers, until: (progress) => progress.records >= records });
  const progress = await running.done;
  const read = await readUntil(
    createKafkaSource<Buffer>({
      brokers,
      groupId: uniqueName('dlq-reader'),
      topics: [topics.deadLetterTopic],
      codec: bytesCodec,
      deadLetter: createDeadLetterWriter({ sink: createKafkaSink({ brokers }), topic: 'unused' }),
    }),
    (received) => recordCount(received) >= letters,
  );
  return { progress, letters: read.flatMap((batch) => batch.records) };
}

/** The record's original headers: everything but the `x-` ones the dead-letter writer adds. */
function originalHeaders(record: DecodedRecord<Buffer>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record.raw!.headers)
      .filter(([name]) => !name.startsWith('x-'))
      .map(([name, value]) => [name, (value as Buffer).toString('hex')]),
  );
}

describe('dead letters are byte-identical to the records that arrived', () => {
  it('JSON: non-canonical JSON without a label, invalid UTF-8 and an absurd label come back byte for byte, with binary keys and headers', async () => {
    const good = Array.from({ length: 300 }, (_, i): OutgoingMessage => ({
      key: `k${i}`,
      value: JSON.stringify({ x0: Math.sin(i), x1: Math.cos(i), y: Math.sin(i) - Math.cos(i) }),
    }));
    const bad: OutgoingMessage[] = [
      { key: Buffer.from([0xff, 0x00, 0x01]), value: Buffer.from('{"x0": 1.0, "x1":  2e0}'), headers: { trace: Buffer.from([0xc3, 0x28]), plain: 'a b' } },
      { key: null, value: Buffer.from([0x7b, 0x22, 0x78, 0x30, 0x22, 0x3a, 0xff, 0xfe, 0x7d]), headers: { origin: Buffer.from([0x00]) } },
      { key: Buffer.from('k-absurd'), value: Buffer.from('{"x0":0.5,"x1":0.25,"y":1E308}'), headers: {} },
    ];
    const messages = [...good.slice(0, 150), bad[0], ...good.slice(150, 200), bad[1], ...good.slice(200), bad[2]];
    const { progress, letters } = await deadLetters(
      {
        name: uniqueName('dlq-bytes-json'),
        input: { codec: createJsonCodec() },
        label: 'y',
        model: () => pipeline(features(), createLinearRegression({ numFeatures: 2 })),
        metrics: () => ({ rmse: createRmse() }),
      },
      messages,
      messages.length,
      3,
    );
    expect(progress).toMatchObject({ records: 303, learned: 300, deadLettered: 3 });
    expect(letters).toHaveLength(3);
    const byOffset = new Map(letters.map((record) => [record.raw!.headers[DEAD_LETTER_HEADERS.offset]!.toString(), record]));
    for (const [offset, original, code] of [
      ['150', bad[0], 'SCHEMA'],
      ['201', bad[1], 'MALFORMED'],
      ['302', bad[2], 'LABEL_OUT_OF_RANGE'],
    ] as const) {
      const letter = byOffset.get(offset)!;
      expect([offset, letter.raw!.headers[DEAD_LETTER_HEADERS.code]!.toString()]).toEqual([offset, code]);
      expect(letter.raw!.value!.equals(original.value as Buffer)).toBe(true);
      expect(letter.raw!.key === null ? null : letter.raw!.key.toString('hex')).toBe(original.key === null ? null : (original.key as Buffer).toString('hex'));
      const expectedHeaders = Object.fromEntries(
        Object.entries(original.headers ?? {}).map(([name, value]) => [name, Buffer.from(value as Buffer | string).toString('hex')]),
      );
      expect(originalHeaders(letter)).toEqual(expectedHeaders);
    }
  });

  it('Arrow: a batch message with bad rows is dead-lettered once, byte for byte, naming the rows; the good rows are learned', async () => {
    const codec = createArrowCodec();
    const table = (ys: number[]) =>
      tableFromColumns({ x0: Float64Array.from(ys, (_, i) => i / 7), x1: Float64Array.from(ys, (_, i) => 1 - i / 7), y: Float64Array.from(ys) });
    const goodBatch = codec.encode(table([0, 1, 0, 1, 1, 0]));
    const badBatch = codec.encode(table([1, 0, 3, 1, -1, 0]));
    const messages: OutgoingMessage[] = [
      { key: 'a', value: goodBatch },
      { key: Buffer.from([0x00, 0xfe]), value: badBatch, headers: { schema: Buffer.from([0x01, 0x02, 0xff]) } },
      { key: 'c', value: goodBatch },
    ];
    const { progress, letters } = await deadLetters(
      {
        name: uniqueName('dlq-bytes-arrow'),
        input: { codec },
        label: 'y',
        model: () => pipeline(features(), createLogisticRegression({ numFeatures: 2 })),
        metrics: () => ({ accuracy: createAccuracy() }),
      },
      messages,
      18,
      1,
    );
    expect(progress).toMatchObject({ records: 18, learned: 16, deadLettered: 2 });
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter.raw!.value!.equals(badBatch)).toBe(true);
    expect(letter.raw!.key!.equals(Buffer.from([0x00, 0xfe]))).toBe(true);
    expect(originalHeaders(letter)).toEqual({ schema: '0102ff' });
    expect(letter.raw!.headers[DEAD_LETTER_HEADERS.rows]!.toString()).toBe('2,4');
    expect(letter.raw!.headers[DEAD_LETTER_HEADERS.code]!.toString()).toBe('LABEL_OUT_OF_RANGE');
    // Replaying the dead letter gives back exactly the table that was sent.
    expect(
      codec
        .decode(letter.raw!.value!, { topic: 't', partition: 0, offset: '0' })
        .toArray()
        .map((row) => row.toJSON()),
    ).toEqual(
      table([1, 0, 3, 1, -1, 0])
        .toArray()
        .map((row) => row.toJSON()),
    );
  });
});
