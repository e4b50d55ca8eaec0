import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { checkpointMetrics, uninterruptedMetrics } from './prequential-reference';
import { produce, take } from './support';

const EVENTS = 3000;

describe('prequential metrics across restarts', () => {
  it('resume from the checkpoint with the model: after three restarts they equal an uninterrupted run exactly', async () => {
    const brokers = testBrokers();
    // Batches of one event: then an event's prediction does not depend on where batches were cut, and the
    // metrics of any two runs must be equal to the last bit.
    const topology = regressionSgd({ prefix: `${uniqueName('metrics')}.`, batch: { maxRecords: 1 }, checkpoint: { everyRecords: 400, everyMs: 60_000 } });
    const events = take(friedmanStream({ seed: 11 }), EVENTS) as unknown as Row[];
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);
    await produce(brokers, topology.config.input.topic, events);

    let learned = 0;
    let runs = 0;
    for (const stopAt of [700, 1900, 2450, EVENTS]) {
      // A stop lets the batches already fetched finish: a run may go past its stop, even to the end.
      if (learned >= stopAt) continue;
      runs++;
      const running = await runTopology(topology, { brokers, until: (progress) => learned + progress.records >= stopAt });
      learned += (await running.done).records;
    }
    expect(learned).toBe(EVENTS);
    expect(runs).toBeGreaterThanOrEqual(3);
    const final = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
    expect(final.manifest.offsets[0].offset).toBe(String(EVENTS));
    const { values, counts } = checkpointMetrics(topology, final);
    expect(counts).toEqual({ mae: EVENTS, rmse: EVENTS, r2: EVENTS, rollingRmse: 2000, rollingR2: 2000 });
    expect(values).toEqual(uninterruptedMetrics(topology, events, 1));
    expect(final.manifest.metrics).toEqual(values);
  });
});
