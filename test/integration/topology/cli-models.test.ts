import { ensureTopics } from '../../../connectors/kafka/topics';
import { models } from '../../../src/cli/commands/models';
import { friedmanStream } from '../../../src/datasets/friedman';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, take } from './support';

describe('streamlearn models', () => {
  it('lists each model on a model topic with its latest version, metrics and offsets', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('cli')}.`, checkpoint: { everyRecords: 1000, everyMs: 60_000 } });
    const { input, outputs } = topology.config;
    await ensureTopics({ brokers }, [{ topic: input.topic }]);
    await produce(brokers, input.topic, take(friedmanStream(), 3000));
    const progress = await (await runTopology(topology, { brokers, until: (p) => p.records >= 3000 })).done;

    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    try {
      await models.run({ values: { topic: outputs.modelTopic, brokers: brokers.join(',') }, positionals: [] });
    } finally {
      write.mockRestore();
    }
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(`${topology.modelId} v${progress.versions[topology.modelId]} Pipeline seen=3000`);
    expect(printed[0]).toContain(`offsets[${input.topic}/0@3000]`);
    expect(printed[0]).toMatch(/rmse=\d+\.\d{4}/);
  });
});
