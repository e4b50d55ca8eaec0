import { createJsonCodec } from '../../connectors/codecs/json';
import { DEAD_LETTER_HEADERS } from '../../connectors/dead-letter';
import { ensureTopics } from '../../connectors/kafka/topics';
import { arraysFromArrow } from '../../src/checkpoints/arrow-arrays';
import { decodeEnvelope } from '../../src/checkpoints/envelope';
import type { CheckpointManifest } from '../../src/checkpoints/manifest';
import { friedmanStream } from '../../src/datasets/friedman';
import { createRmse } from '../../src/evaluation';
import { pipeline } from '../../src/features/pipeline';
import type { Row } from '../../src/features/stage';
import { createStandardScaler } from '../../src/features/standard-scaler';
import { createVectorAssembler } from '../../src/features/vector-assembler';
import { createLinearRegression } from '../../src/learners';
import type { TypedArray } from '../../src/state';
import { runTopology } from '../../src/topology/run-topology';
import { defineTopology, topicsFor, type Topology } from '../../src/topology/topology';
import { REGRESSION_FIELDS, regressionSgd } from '../../topologies/regression-sgd';
import { produce, readAll, take } from '../integration/topology/support';
import { testBrokers, uniqueName } from '../support/kafka';
import { expectLearnedOnce } from './support/trainer';

/** Every checkpoint published on the model topic (inline payloads: these models are small). */
async function publishedCheckpoints(
  brokers: string[],
  topology: Topology,
): Promise<Array<{ manifest: CheckpointManifest; arrays: Record<string, TypedArray> }>> {
  const records = await readAll(brokers, topology.config.outputs.modelTopic);
  return records
    .filter((record) => record.key === topology.modelId && record.value !== null)
    .map((record) => {
      const { manifest, inlinePayload } = decodeEnvelope(record.value!, 'test');
      return { manifest, arrays: arraysFromArrow(inlinePayload) };
    });
}

const largest = (arrays: Record<string, TypedArray>) => Math.max(...Object.values(arrays).flatMap((array) => Array.from(array, Math.abs)));

async function runToEnd(brokers: string[], topology: Topology, total: number) {
  const running = await runTopology(topology, { brokers, until: (progress) => progress.records >= total });
  return running.done;
}

describe('divergence injected into the stream', () => {
  it('outlier labels (1e308, -1e200, 1e30) are dead-lettered; every checkpoint is finite and the final model is the clean run’s', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('outliers')}.`, checkpoint: { everyRecords: 2000 }, batch: { maxRecords: 1000 } });
    const clean = take(friedmanStream({ seed: 5 }), 20_000) as unknown as Row[];
    const outliers = [1e308, -1e200, 1e30, 1e308, 5e15];
    const events: Row[] = [];
    const outlierOffsets: string[] = [];
    clean.forEach((event, i) => {
      events.push(event);
      if (i % 4000 === 3999) {
        outlierOffsets.push(String(events.length));
        events.push({ ...event, y: outliers[outlierOffsets.length - 1] });
      }
    });
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);
    await produce(brokers, topology.config.input.topic, events);
    const progress = await runToEnd(brokers, topology, events.length);
    expect(progress).toMatchObject({ records: events.length, learned: clean.length, deadLettered: outliers.length });

    const letters = await readAll(brokers, topology.config.outputs.deadLetterTopic);
    expect(letters.map((letter) => [letter.headers[DEAD_LETTER_HEADERS.offset], letter.headers[DEAD_LETTER_HEADERS.code]])).toEqual(
      outlierOffsets.map((offset) => [offset, 'LABEL_OUT_OF_RANGE']),
    );

    const published = await publishedCheckpoints(brokers, topology);
    // Batches of at most 1,000 records and a checkpoint due every 2,000: about 10 checkpoints, whatever the broker's fetch sizes.
    expect(published.length).toBeGreaterThan(5);
    for (const { manifest, arrays } of published) {
      expect([manifest.version, largest(arrays) < 1e6, Object.values(manifest.metrics).every(Number.isFinite)]).toEqual([manifest.version, true, true]);
    }
    expectLearnedOnce(published.at(-1)!, topology, events.length, clean);
  });

  it('an absurd step size: every batch that diverges is dead-lettered (DIVERGED), no checkpoint with non-finite or exploded weights is published, nothing is lost', async () => {
    const brokers = testBrokers();
    const name = uniqueName('absurd-step');
    const topics = topicsFor(name);
    const topology = defineTopology({
      name,
      input: { topic: topics.input, codec: createJsonCodec() },
      label: 'y',
      model: () =>
        pipeline(
          createVectorAssembler({ inputCols: REGRESSION_FIELDS, outputCol: 'raw' }),
          createStandardScaler({ inputCol: 'raw', outputCol: 'features' }),
          createLinearRegression({ numFeatures: REGRESSION_FIELDS.length, stepSize: 1e6 }),
        ),
      metrics: () => ({ rmse: createRmse(), rollingRmse: createRmse({ window: 500 }) }),
      checkpoint: { everyRecords: 1000 },
      outputs: topics,
      batch: { maxRecords: 250 },
    });
    const events = take(friedmanStream({ seed: 6 }), 5000) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic: topics.input }]);
    await produce(brokers, topics.input, events);
    const progress = await runToEnd(brokers, topology, events.length);
    expect(progress.records).toBe(events.length);
    expect(progress.learned + progress.deadLettered).toBe(events.length);

    const letters = await readAll(brokers, topics.deadLetterTopic);
    expect(letters.length).toBe(progress.deadLettered);
    expect(letters.length).toBeGreaterThan(0);
    expect(new Set(letters.map((letter) => letter.headers[DEAD_LETTER_HEADERS.code]))).toEqual(new Set(['DIVERGED']));

    const published = await publishedCheckpoints(brokers, topology);
    expect(published.length).toBeGreaterThan(0);
    for (const { manifest, arrays } of published) {
      expect([manifest.version, largest(arrays) <= 1e100, Object.values(manifest.metrics).every((value) => Math.abs(value) !== Infinity)]).toEqual([
        manifest.version,
        true,
        true,
      ]);
    }
    const final = published.at(-1)!;
    expect(final.manifest.offsets).toEqual([{ topic: topics.input, partition: 0, offset: String(events.length) }]);
    expect(final.manifest.examplesSeen).toBe(events.length - letters.length);
  });
});
