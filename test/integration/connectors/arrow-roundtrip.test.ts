import type { Table } from 'apache-arrow';
import { createArrowCodec, tableFromColumns } from '../../../connectors/codecs/arrow';
import { createDeadLetterWriter } from '../../../connectors/dead-letter';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { createKafkaSource } from '../../../connectors/kafka/source';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { createRandom } from '../../../src/random';
import { testBrokers, uniqueName } from '../../support/kafka';
import { readUntil } from './support';

/** The bytes behind a typed array, for a bit-for-bit comparison (-0 and NaN payloads included). */
const bitsOf = (values: ArrayBufferView) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('Arrow IPC through a topic', () => {
  it('carries a 10,000-row record batch bit for bit', async () => {
    const brokers = testBrokers();
    const topic = uniqueName('arrow');
    await ensureTopics({ brokers }, [{ topic }, { topic: `${topic}.dlq` }]);
    const rows = 10_000;
    const random = createRandom(7);
    const x = Float64Array.from({ length: rows }, () => random.gaussian() * 1e3);
    // Values whose bits are easy to lose: signed zero, the smallest subnormal, the largest double.
    x.set([-0, 5e-324, Number.MAX_VALUE, -Number.MAX_VALUE], 0);
    const weight = Float32Array.from({ length: rows }, () => random.next());
    const count = Int32Array.from({ length: rows }, () => random.nextInt(2 ** 31) - 2 ** 30);
    const label = Array.from({ length: rows }, (_, i) => (i % 97 === 0 ? '' : `row-${i}-${random.nextInt(1e6)}-é✓`));
    const codec = createArrowCodec();
    const sent = codec.encode(tableFromColumns({ x, weight, count, label }));

    const sink = createKafkaSink({ brokers });
    try {
      await sink.send(topic, [{ key: 'batch-0', value: sent }]);
      const [batch] = await readUntil(
        createKafkaSource<Table>({
          brokers,
          groupId: uniqueName('group'),
          topics: [topic],
          codec,
          deadLetter: createDeadLetterWriter({ sink, topic: `${topic}.dlq` }),
        }),
        (received) => received.length >= 1,
      );
      expect(batch.records).toHaveLength(1);
      const table = batch.records[0].value;
      expect(table.numRows).toBe(rows);
      expect(table.schema.names).toEqual(['x', 'weight', 'count', 'label']);
      expect(bitsOf(table.getChild('x')?.toArray() as Float64Array).equals(bitsOf(x))).toBe(true);
      expect(bitsOf(table.getChild('weight')?.toArray() as Float32Array).equals(bitsOf(weight))).toBe(true);
      expect(bitsOf(table.getChild('count')?.toArray() as Int32Array).equals(bitsOf(count))).toBe(true);
      expect(table.getChild('label')?.toArray()).toEqual(label);
      // Encoding what came out gives back exactly the bytes that went in.
      expect(codec.encode(table).equals(sent)).toBe(true);
    } finally {
      await sink.close();
    }
  });
});
