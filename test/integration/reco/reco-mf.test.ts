import '../../../src/builtins';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { createRecoWorld } from '../../../src/datasets/reco-events';
import { fromState } from '../../../src/learners/registry';
import type { Recommender } from '../../../src/reco';
import type { RecommendAnswer } from '../../../src/reco/recommend-request';
import { runRecoServing } from '../../../src/reco/run-reco-serving';
import { runTopology } from '../../../src/topology/run-topology';
import { recoMf, recoServingTopics } from '../../../topologies/reco-mf';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll, take } from '../topology/support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `ready` holds, for at most `timeoutMs`. */
async function eventually<T>(read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ready(value) || Date.now() > deadline) return value;
    await sleep(250);
  }
}

describe('the reco-mf topology, end to end on Kafka', () => {
  it('trains from events, checkpoints, and serves top-K with the model version, hot-swapping new checkpoints', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('reco')}.`;
    const topology = recoMf({ prefix, checkpoint: { everyRecords: 4000, everyMs: 60_000 } });
    const { input, outputs } = topology.config;
    const serving = recoServingTopics(prefix);
    const events = createRecoWorld({ users: 80, items: 120, seed: 51 }).events();
    const first = take(events, 8000);
    // Bad events at known offsets: not JSON, and no itemId (refused by the model's transformOne).
    const values: Array<object | string> = [
      ...first.slice(0, 100),
      '{"truncated": ',
      ...first.slice(100, 5000),
      { userId: 'u1', rating: 3 },
      ...first.slice(5000),
    ];
    await ensureTopics({ brokers }, [{ topic: input.topic }]);
    await produce(brokers, input.topic, values);

    const trained = await (await runTopology(topology, { brokers, until: (p) => p.records >= values.length })).done;
    expect(trained.learned).toBe(first.length);
    expect(trained.deadLettered).toBe(2);
    expect(trained.metrics.rollingRmse).toBeLessThan(1);
    const dead = await readAll(brokers, outputs.deadLetterTopic);
    expect(dead.map((r) => Number(r.headers[DEAD_LETTER_HEADERS.offset]))).toEqual([100, 5001]);
    expect(dead[1].headers[DEAD_LETTER_HEADERS.message]).toContain('itemId is missing');

    const latest = (await loadLatestCheckpoints({ brokers }, outputs.modelTopic)).get(topology.modelId)!;
    expect(latest.manifest.model.kind).toBe('BiasedMF');
    expect(latest.state.arrays['items/factors']).toHaveLength(120 * 16);
    const running = await runRecoServing({ brokers, modelTopic: outputs.modelTopic, modelId: topology.modelId, ...serving });
    try {
      expect(running.version()).toBe(latest.manifest.version);
      await produce(brokers, serving.requestsTopic, [
        { requestId: 'q1', userId: 'u1', k: 5 },
        { requestId: 'q2', userId: 'someone-new', k: 3, exclude: ['i0', 'i1'] },
        { requestId: 'q3', userId: 'u2', k: 0 },
      ]);
      const answers = await eventually(
        () => readAll(brokers, serving.recommendationsTopic),
        (records) => records.length >= 2,
      );
      const parsed = answers.map((r) => JSON.parse(r.value!.toString()) as RecommendAnswer);
      const reference = fromState(latest.state) as Recommender;
      expect(parsed.map(({ requestId, items, modelVersion }) => ({ requestId, items, modelVersion }))).toEqual([
        { requestId: 'q1', items: reference.recommend('u1', 5), modelVersion: latest.manifest.version },
        { requestId: 'q2', items: reference.recommend('someone-new', 3, { exclude: ['i0', 'i1'] }), modelVersion: latest.manifest.version },
      ]);
      const refused = await eventually(
        () => readAll(brokers, serving.deadLetterTopic),
        (records) => records.length >= 1,
      );
      expect(refused[0].headers[DEAD_LETTER_HEADERS.message]).toContain('k must be an integer in [1, 1000], got 0');

      // More events: the trainer resumes from its checkpoint and publishes a newer version, which serving picks up.
      await produce(brokers, input.topic, take(events, 4000));
      const resumed = await (await runTopology(topology, { brokers, until: (p) => p.records >= 4000 })).done;
      const newer = (await loadLatestCheckpoints({ brokers }, outputs.modelTopic)).get(topology.modelId)!;
      expect(newer.manifest.version).toBe(resumed.versions[topology.modelId]);
      expect(newer.manifest.examplesSeen).toBe(first.length + 4000);
      await eventually(
        async () => running.version(),
        (version) => version === newer.manifest.version,
      );
      expect(running.version()).toBe(newer.manifest.version);
      await produce(brokers, serving.requestsTopic, [{ requestId: 'q4', userId: 'u1', k: 5 }]);
      const later = await eventually(
        () => readAll(brokers, serving.recommendationsTopic),
        (records) => records.length >= 3,
      );
      const swapped = JSON.parse(later[2].value!.toString()) as RecommendAnswer;
      expect(swapped).toMatchObject({
        requestId: 'q4',
        modelVersion: newer.manifest.version,
        items: (fromState(newer.state) as Recommender).recommend('u1', 5),
      });
      expect(running.answered()).toBe(3);
    } finally {
      await running.stop();
    }
  });
});
