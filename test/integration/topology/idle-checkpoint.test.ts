import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { friedmanStream } from '../../../src/datasets/friedman';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, take } from './support';

describe('a time-due checkpoint when the input goes idle (issue 12)', () => {
  it('is published without waiting for a next batch, covering every record learned', async () => {
    const brokers = testBrokers();
    // Never due by count: only time can make it due, and no batch comes after the first few.
    const topology = regressionSgd({ prefix: `${uniqueName('idle')}.`, checkpoint: { everyRecords: 1e12, everyMs: 4000 } });
    const { topic } = topology.config.input;
    await ensureTopics({ brokers }, [{ topic }]);
    await produce(brokers, topic, take(friedmanStream({ seed: 2 }), 1500) as unknown as object[]);
    const running = await runTopology(topology, { brokers });
    let published: number[] = [];
    try {
      for (let waited = 0; waited < 60_000; waited += 500) {
        const latest = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId);
        published = latest ? [latest.manifest.examplesSeen, Number(latest.manifest.offsets[0].offset)] : [];
        if (published[1] === 1500) break;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } finally {
      await running.stop();
    }
    // Before the fix the model topic stayed empty for as long as the input was idle.
    expect(published).toEqual([1500, 1500]);
  }, 120_000);
});
