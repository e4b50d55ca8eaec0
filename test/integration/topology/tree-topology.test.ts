/**
 * A forest inside a topology, on the test broker: ARF(10) over 10 numeric fields trains, its checkpoints
 * pass the runtime's health check and are published, and a restart restores the forest and goes on from
 * the checkpoint's offsets. (Tree states once held a NaN — a generator's "no spare Gaussian" — and the
 * runtime refused to publish any of them; no test ran a tree through the runtime.)
 */
import { createJsonCodec } from '../../../connectors/codecs/json';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { randomRbfStream } from '../../../src/datasets/tree-streams';
import { createAccuracy } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createARFClassifier } from '../../../src/trees';
import { runTopology } from '../../../src/topology/run-topology';
import { readyMadeTopology } from '../../../src/topology/topology';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce } from './support';

const FIELDS = Array.from({ length: 10 }, (_, i) => `x${i}`);
const TOTAL = 3000;

function events(): object[] {
  const stream = randomRbfStream({ seed: 4, driftCentroids: 50, speed: 0.001 });
  return Array.from({ length: TOTAL }, () => {
    const { x, y } = stream.next().value as { x: Float64Array; y: number };
    return { ...Object.fromEntries(FIELDS.map((name, j) => [name, x[j]])), label: y };
  });
}

it('ARF(10) trains inside a topology, publishes healthy checkpoints, and resumes from them', async () => {
  const brokers = testBrokers();
  const topology = readyMadeTopology(
    'arf',
    { prefix: `${uniqueName('arf')}.`, batch: { maxRecords: 500 }, checkpoint: { everyRecords: 1000, everyMs: 60_000 } },
    {
      codec: createJsonCodec(),
      label: 'label',
      model: () =>
        pipeline(
          createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }),
          createARFClassifier({ numFeatures: FIELDS.length, numClasses: 2, numModels: 10, seed: 1 }),
        ),
      metrics: () => ({ accuracy: createAccuracy() }),
    },
  );
  await ensureTopics({ brokers }, [{ topic: topology.config.input.topic, partitions: 1 }]);
  const all = events();
  await produce(brokers, topology.config.input.topic, all.slice(0, 2000));
  await (
    await runTopology(topology, { brokers, until: (p) => p.records >= 2000 })
  ).done;
  const first = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
  expect(first.manifest.examplesSeen).toBe(2000);
  expect(first.state.arrays['model/tree0/nodes.kind']!.length).toBeGreaterThan(1);
  expect(first.manifest.metrics.accuracy).toBeGreaterThan(0.6);

  await produce(brokers, topology.config.input.topic, all.slice(2000));
  const restarted = await runTopology(topology, { brokers, until: (p) => p.records >= TOTAL - 2000 });
  expect(restarted.restored[topology.modelId]).toBe(first.manifest.version);
  await restarted.done;
  const last = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
  expect(last.manifest.examplesSeen).toBe(TOTAL);
  expect(last.manifest.offsets[0]!.offset).toBe(String(TOTAL));
});
