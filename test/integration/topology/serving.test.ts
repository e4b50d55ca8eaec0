import { filter, firstValueFrom } from 'rxjs';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { subscribeModel } from '../../../src/checkpoints/subscribe';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { friedmanStream } from '../../../src/datasets/friedman';
import type { Row } from '../../../src/features/stage';
import { createLivePredictor, type StaleModelAlert } from '../../../src/serving/live-predictor';
import { runServing } from '../../../src/serving/run-serving';
import { runTopology } from '../../../src/topology/run-topology';
import { ctrLogistic } from '../../../topologies/ctr-logistic';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll, take } from './support';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('subscribers and serving', () => {
  it('hot-swaps a live predictor to each new version, and flags a stale model', async () => {
    const brokers = testBrokers();
    const topology = regressionSgd({ prefix: `${uniqueName('swap')}.`, checkpoint: { everyRecords: 2000, everyMs: 60_000 } });
    const { input, outputs } = topology.config;
    const events = take(friedmanStream(), 30_000);
    await ensureTopics({ brokers }, [{ topic: input.topic }, { topic: outputs.modelTopic, compacted: true }]);

    const alerts: StaleModelAlert[] = [];
    const predictor = createLivePredictor<Row>({
      versions: subscribeModel<Row>({ brokers, topic: outputs.modelTopic, modelId: topology.modelId }),
      maxModelAgeMs: 1500,
      checkEveryMs: 100,
      onStale: (alert) => alerts.push(alert),
    });
    const seen: number[] = [];
    const probe = events[0] as unknown as Row;
    const polling = setInterval(() => {
      if (predictor.current()) seen.push(predictor.predict(probe).modelVersion);
    }, 5);

    await produce(brokers, input.topic, events);
    const running = await runTopology(topology, { brokers, until: (p) => p.records >= events.length });
    const progress = await running.done;
    const finalVersion = progress.versions[topology.modelId];
    for (let waited = 0; predictor.current()?.manifest.version !== finalVersion && waited < 10_000; waited += 20) await sleep(20);
    clearInterval(polling);

    expect(predictor.current()?.manifest.version).toBe(finalVersion);
    // Predictions moved through several versions, never backwards.
    expect(new Set(seen).size).toBeGreaterThanOrEqual(3);
    expect(seen.every((v, i) => i === 0 || v >= seen[i - 1])).toBe(true);
    // The served model is the published one: same prediction as a fresh subscriber's.
    const fresh = await firstValueFrom(subscribeModel<Row>({ brokers, topic: outputs.modelTopic, modelId: topology.modelId }));
    expect(predictor.predict(probe).value).toBe(fresh.model.predictOne(probe));

    // No new version arrives any more: the freshness guard goes off for the final one.
    await sleep(2000);
    const finalAlerts = alerts.filter((alert) => alert.version === finalVersion);
    expect(finalAlerts.length).toBeGreaterThan(0);
    expect(finalAlerts[0]).toMatchObject({ modelId: topology.modelId, maxModelAgeMs: 1500 });
    expect(finalAlerts[0].ageMs).toBeGreaterThan(1500);
    predictor.close();
  });

  it('answers requests keyed by request id, with the model version and latency, and dead-letters bad requests', async () => {
    const brokers = testBrokers();
    const topology = ctrLogistic({ prefix: `${uniqueName('serve')}.` });
    const { input, outputs } = topology.config;
    await ensureTopics({ brokers }, [{ topic: input.topic }]);
    await produce(brokers, input.topic, take(ctrEventStream({ functionBefore: 2 }), 5000));
    const trained = await (await runTopology(topology, { brokers, until: (p) => p.records >= 5000 })).done;

    const requestsTopic = `${outputs.modelTopic}.requests`;
    const predictionsTopic = `${outputs.modelTopic}.predictions`;
    const deadLetterTopic = `${outputs.modelTopic}.requests-dlq`;
    const serving = await runServing({ brokers, modelTopic: outputs.modelTopic, modelId: topology.modelId, requestsTopic, predictionsTopic, deadLetterTopic });
    const requests = take(ctrEventStream({ seed: 5, functionBefore: 2 }), 200).map((event, i) => ({ ...event, requestId: `r${i}` }));
    await produce(brokers, requestsTopic, [...requests, { age: 'age3' }]);
    for (let waited = 0; serving.answered() < requests.length && waited < 30_000; waited += 50) await sleep(50);
    await serving.stop();

    const answers = (await readAll(brokers, predictionsTopic)).map((r) => ({ key: r.key, ...JSON.parse(r.value!.toString()) }));
    expect(answers).toHaveLength(requests.length);
    const version = trained.versions[topology.modelId];
    const model = (
      await firstValueFrom(
        subscribeModel<Row>({ brokers, topic: outputs.modelTopic, modelId: topology.modelId }).pipe(filter((v) => v.manifest.version === version)),
      )
    ).model;
    answers.forEach((answer, i) => {
      expect(answer.key).toBe(`r${i}`);
      expect(answer.requestId).toBe(`r${i}`);
      expect(answer.modelVersion).toBe(version);
      expect(answer.prediction).toBe(model.predictOne(requests[i] as unknown as Row));
      expect(answer.latencyMs).toBeGreaterThanOrEqual(0);
    });
    const rejected = await readAll(brokers, deadLetterTopic);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].headers['x-error-message']).toContain('requestId');
  });
});
