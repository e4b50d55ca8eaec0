import { ensureTopics } from '../../../connectors/kafka/topics';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { take } from './support';

describe("modelScope: 'per-partition'", () => {
  it('trains one model per input partition, each checkpointed with its own offsets, equal to learning that partition alone', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('pp')}.`, partitions: 2, modelScope: 'per-partition' });
    const topic = topology.config.input.topic;
    const perPartition = [take(friedmanStream({ seed: 1 }), 3000), take(friedmanStream({ seed: 2, noise: 0.1 }), 5000)] as unknown as Row[][];
    await ensureTopics({ brokers }, [{ topic, partitions: 2 }]);
    const sink = createKafkaSink({ brokers });
    for (const [partition, events] of perPartition.entries()) {
      await sink.send(
        topic,
        events.map((event) => ({ partition, value: JSON.stringify(event) })),
      );
    }
    await sink.close();

    const running = await runTopology(topology, { brokers, until: (p) => p.records >= 8000 });
    await running.done;

    const checkpoints = await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic);
    expect([...checkpoints.keys()].sort()).toEqual([`${topology.modelId}.p0`, `${topology.modelId}.p1`]);
    for (const [partition, events] of perPartition.entries()) {
      const { manifest, state } = checkpoints.get(`${topology.modelId}.p${partition}`)!;
      expect(manifest.offsets).toEqual([{ topic, partition, offset: String(events.length) }]);
      expect(manifest.examplesSeen).toBe(events.length);
      const alone = topology.config.model();
      alone.learnMany(
        events,
        Float64Array.from(events, (e) => e.y as number),
      );
      expect(Array.from(state.arrays['model/weights'] ?? [])).toEqual(Array.from(alone.state().arrays['model/weights'] ?? [NaN]));
    }
  });
});
