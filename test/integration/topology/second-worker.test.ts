import { ensureTopics } from '../../../connectors/kafka/topics';
import { friedmanStream } from '../../../src/datasets/friedman';
import { createVectorAssembler, pipeline } from '../../../src/features';
import { runTopology } from '../../../src/topology/run-topology';
import { defineTopology } from '../../../src/topology/topology';
import { createHoeffdingTreeRegressor } from '../../../src/trees';
import { REGRESSION_FIELDS, regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, take } from './support';

/** Issue 13: a shared model trained by two processes without mixing published the same versions twice. */
describe('a shared model and a second worker', () => {
  it('without mixing, a second process in the group stops the run with one line saying how to mix', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('second')}.`, checkpoint: { everyRecords: 500, everyMs: 60_000 } });
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic, partitions: 2 }]);
    await produce(brokers, topology.config.input.topic, take(friedmanStream({ seed: 5 }), 2000));
    const first = await runTopology(topology, { brokers });
    const second = await runTopology(topology, { brokers });
    // Both hold one partition of two once the second has joined: both stop.
    const outcomes = await Promise.allSettled([first.done, second.done]);
    const refused = outcomes.filter((o) => o.status === 'rejected').map((o) => String((o as PromiseRejectedResult).reason));
    expect(refused).toHaveLength(2);
    for (const reason of refused) {
      expect(reason).toMatch(
        /^ConfigError: topology \S+regression-sgd: another process joined group ".*" and took partitions of the shared model; .*--mix-every-ms N/,
      );
      expect(reason).not.toMatch(/\n/);
    }
  }, 120_000);

  it('with mixing, a model that cannot be averaged (a tree) is refused at start, in one line', async () => {
    const brokers = testBrokers();
    const { config } = regressionSgd({ prefix: `${uniqueName('tree')}.` });
    const topology = defineTopology({
      ...config,
      importance: undefined,
      model: () => pipeline(createVectorAssembler({ inputCols: REGRESSION_FIELDS }), createHoeffdingTreeRegressor({ numFeatures: REGRESSION_FIELDS.length })),
    });
    await expect(runTopology(topology, { brokers, mix: { everyMs: 1000 } })).rejects.toThrow(
      /^topology \S+regression-sgd: a Pipeline model cannot be averaged across workers \(no merge is registered for kind HoeffdingTreeRegressor; .*\), so modelScope 'shared' needs exactly one worker/,
    );
  }, 60_000);
});
