import { DEAD_LETTER_HEADERS } from '../../connectors/dead-letter';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { ensureTopics } from '../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../src/checkpoints/latest';
import { friedmanStream } from '../../src/datasets/friedman';
import type { Row } from '../../src/features/stage';
import { runTopology } from '../../src/topology/run-topology';
import { regressionSgd } from '../../topologies/regression-sgd';
import { readAll, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';
import { expectSameState } from './support/trainer';

const good = { x0: 0.5, x1: 0.5, x2: 0.5, x3: 0.5, x4: 0.5, x5: 0.5, x6: 0.5, x7: 0.5, x8: 0.5, x9: 0.5, y: 1 };
const without = (field: string) => JSON.stringify(Object.fromEntries(Object.entries(good).filter(([k]) => k !== field)));
const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Every kind of bad event the JSON regression topology knows, with the x-error-code it must be dead-lettered with. */
const POISON: Array<{ bytes: Buffer; code: string }> = [
  { bytes: Buffer.from('{"x0": 1, "y":'), code: 'MALFORMED' },
  { bytes: Buffer.from('not json at all'), code: 'MALFORMED' },
  { bytes: Buffer.from(''), code: 'MALFORMED' },
  { bytes: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), code: 'MALFORMED' },
  { bytes: Buffer.from('{"__proto__": {"polluted": true}, "y": 1}'), code: 'FORBIDDEN_KEY' },
  { bytes: Buffer.from(JSON.stringify(good).replace('"y":1', '"y":1e999')), code: 'NONFINITE' },
  { bytes: Buffer.from(deep(80)), code: 'OVERSIZE' },
  { bytes: Buffer.from('[1,2,3]'), code: 'SCHEMA' },
  { bytes: Buffer.from('"a string"'), code: 'SCHEMA' },
  { bytes: Buffer.from('42'), code: 'SCHEMA' },
  { bytes: Buffer.from('null'), code: 'SCHEMA' },
  { bytes: Buffer.from(without('y')), code: 'SCHEMA' },
  { bytes: Buffer.from(JSON.stringify({ ...good, y: '3' })), code: 'SCHEMA' },
  { bytes: Buffer.from(JSON.stringify({ ...good, y: null })), code: 'SCHEMA' },
  { bytes: Buffer.from(without('x3')), code: 'SCHEMA' },
  { bytes: Buffer.from(JSON.stringify({ ...good, x3: 'abc' })), code: 'SCHEMA' },
  { bytes: Buffer.from(JSON.stringify({ ...good, x7: { nested: 1 } })), code: 'SCHEMA' },
  { bytes: Buffer.from(JSON.stringify({ ...good, x2: null })), code: 'SCHEMA' },
];

/**
 * Issue 11: 10,000 poison records of every known kind among 1M events. Scaled for CI: 2,000 poison records
 * (each kind about 110 times) among 100,000 events; the trainer is the library's `runTopology`.
 */
const EVENTS = 100_000;
const POISONED = 2_000;

describe('poison records of every known kind mixed into the stream', () => {
  it('dead-letters exactly the poison, with reason and source offset, never crashes, and learns the clean run’s model', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('poison')}.` });
    const { topic } = topology.config.input;
    const clean = take(friedmanStream({ seed: 3 }), EVENTS - POISONED) as unknown as Row[];
    const every = Math.floor(EVENTS / POISONED);
    const isPoison = (i: number) => i % every === every - 1;
    const values: Buffer[] = [];
    const poisonAt = new Map<number, string>();
    for (let i = 0, c = 0, p = 0; i < EVENTS; i++) {
      if (isPoison(i)) {
        const kind = POISON[p++ % POISON.length];
        poisonAt.set(i, kind.code);
        values.push(kind.bytes);
      } else values.push(Buffer.from(JSON.stringify(clean[c++])));
    }
    await ensureTopics({ brokers }, [{ topic }]);
    const sink = createKafkaSink({ brokers });
    for (let start = 0; start < EVENTS; start += 5000)
      await sink.send(
        topic,
        values.slice(start, start + 5000).map((value, i) => ({ key: `k${start + i}`, value })),
      );
    await sink.close();

    const running = await runTopology(topology, { brokers, until: (p) => p.records >= EVENTS });
    const progress = await running.done;
    expect(progress).toMatchObject({ records: EVENTS, learned: EVENTS - POISONED, deadLettered: POISONED });

    const final = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
    expect(final.manifest.offsets).toEqual([{ topic, partition: 0, offset: String(EVENTS) }]);
    expect(final.manifest.examplesSeen).toBe(EVENTS - POISONED);
    const reference = topology.config.model();
    reference.learnMany(
      clean,
      Float64Array.from(clean, (e) => e.y as number),
    );
    expectSameState(final.state, reference.state());

    const dead = await readAll(brokers, topology.config.outputs.deadLetterTopic);
    expect(dead).toHaveLength(POISONED);
    const wrong = dead.filter((record) => {
      const offset = Number(record.headers[DEAD_LETTER_HEADERS.offset]);
      return (
        record.headers[DEAD_LETTER_HEADERS.topic] !== topic ||
        poisonAt.get(offset) !== record.headers[DEAD_LETTER_HEADERS.code] ||
        !Buffer.from(record.value ?? []).equals(values[offset]) ||
        !record.headers[DEAD_LETTER_HEADERS.message]
      );
    });
    expect(
      wrong.map((r) => `${r.headers[DEAD_LETTER_HEADERS.offset]} ${r.headers[DEAD_LETTER_HEADERS.code]} ${r.headers[DEAD_LETTER_HEADERS.message]}`),
    ).toEqual([]);
    expect(new Set(dead.map((r) => r.headers[DEAD_LETTER_HEADERS.offset])).size).toBe(POISONED);
  }, 600_000);
});
