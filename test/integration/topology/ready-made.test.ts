import { firstValueFrom } from 'rxjs';
import { DEAD_LETTER_HEADERS } from '../../../connectors/dead-letter';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { subscribeModel } from '../../../src/checkpoints/subscribe';
import { ctrEventStream } from '../../../src/datasets/ctr-events';
import { friedmanStream } from '../../../src/datasets/friedman';
import { topicTextStream } from '../../../src/datasets/topics-text';
import type { Row } from '../../../src/features/stage';
import { parseImportanceRecord, readImportanceExtra } from '../../../src/importance/publish';
import { fromState } from '../../../src/learners/registry';
import { runTopology } from '../../../src/topology/run-topology';
import type { Topology, TopologyOptions } from '../../../src/topology/topology';
import { ctrLogistic } from '../../../topologies/ctr-logistic';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { textClassifier } from '../../../topologies/text-classifier';
import { committedOffsets } from '../connectors/support';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll, take } from './support';

const EVENTS = 20_000;
const MALFORMED = ['{"truncated": ', '{"label": "not a number"}', '[1, 2, 3]'];

interface Case {
  make(options: TopologyOptions): Topology;
  events(): Iterator<object>;
  metric: string;
  /** The prequential metric must beat this after EVENTS events. */
  better(value: number): boolean;
}

const cases: Record<string, Case> = {
  'ctr-logistic': { make: ctrLogistic, events: () => ctrEventStream({ functionBefore: 2 }), metric: 'rollingAccuracy', better: (v) => v > 0.95 },
  'regression-sgd': { make: regressionSgd, events: () => friedmanStream(), metric: 'rollingR2', better: (v) => v > 0.6 },
  'text-classifier': { make: textClassifier, events: () => topicTextStream(), metric: 'rollingAccuracy', better: (v) => v > 0.9 },
};

describe.each(Object.keys(cases))('the %s topology, end to end on Kafka', (name) => {
  it('learns, dead-letters bad events, publishes verified checkpoints with offsets, and commits them', async () => {
    const brokers = testBrokers();
    const { make, events, metric, better } = cases[name];
    const topology = make({ prefix: `${uniqueName('t')}.`, checkpoint: { everyRecords: 5000, everyMs: 60_000 } });
    const { input, outputs } = topology.config;
    const good = take(events(), EVENTS);
    // Bad events at known offsets among the good ones.
    const bad = new Map<number, object | string>([
      [100, MALFORMED[0]],
      [5100, MALFORMED[1]],
      [7777, { ...(good[0] as Row), [topology.config.label]: null }],
      [10100, MALFORMED[2]],
      [15100, MALFORMED[0]],
    ]);
    const badOffsets = [...bad.keys()];
    const values: Array<object | string> = [];
    for (let next = 0; values.length < good.length + bad.size;) values.push(bad.get(values.length) ?? good[next++]);
    const total = values.length;
    await ensureTopics({ brokers }, [{ topic: input.topic }]);
    await produce(brokers, input.topic, values);

    const running = await runTopology(topology, { brokers, until: (p) => p.records >= total });
    const progress = await running.done;

    expect(progress.learned).toBe(EVENTS);
    expect(progress.deadLettered).toBe(badOffsets.length);
    expect(better(progress.metrics[metric])).toBe(true);

    const latest = (await loadLatestCheckpoints({ brokers }, outputs.modelTopic)).get(topology.modelId)!;
    expect(latest.manifest.offsets).toEqual([{ topic: input.topic, partition: 0, offset: String(total) }]);
    expect(latest.manifest.examplesSeen).toBe(EVENTS);
    expect(latest.manifest.version).toBe(progress.versions[topology.modelId]);
    expect(latest.manifest.version).toBeGreaterThanOrEqual(2);
    expect((await committedOffsets(brokers, topology.modelId, input.topic)).get(0)).toBe(String(total));

    const dead = await readAll(brokers, outputs.deadLetterTopic);
    expect(dead.map((r) => Number(r.headers[DEAD_LETTER_HEADERS.offset]))).toEqual(badOffsets);
    for (const record of dead) {
      expect(record.headers[DEAD_LETTER_HEADERS.code]).toMatch(/^(MALFORMED|SCHEMA|NONFINITE)$/);
      expect(record.headers[DEAD_LETTER_HEADERS.message]).toContain(`${input.topic}/0@`);
    }

    const metricsRecords = await readAll(brokers, outputs.metricsTopic!);
    expect(metricsRecords.length).toBe(latest.manifest.version);
    const lastMetrics = JSON.parse(metricsRecords.at(-1)!.value!.toString()) as { version: number; metrics: Record<string, number> };
    expect(lastMetrics.version).toBe(latest.manifest.version);

    // Topologies with online importance publish it with every checkpoint and on their importance topic.
    if (topology.config.importance) {
      const snapshot = readImportanceExtra(latest.manifest)!;
      expect(snapshot.method).toBe('ipfi');
      expect(snapshot.samples).toBeGreaterThan(0);
      expect(snapshot.features.map((f) => f.rank)).toEqual(snapshot.features.map((_, i) => i + 1));
      const published = (await readAll(brokers, outputs.importanceTopic!)).map((r) => parseImportanceRecord(r.value!, 'importance'));
      expect(published.map((r) => r.version)).toEqual(metricsRecords.map((r) => JSON.parse(r.value!.toString()).version));
      if (name === 'regression-sgd') {
        // A linear fit of Friedman #1 leans on x3 (10·x3) and x0, x1 (via sin), never on the noise x5..x9.
        expect(snapshot.features[0].name).toBe('x3');
        expect(
          snapshot.features
            .slice(0, 3)
            .map((f) => f.name)
            .sort(),
        ).toEqual(['x0', 'x1', 'x3']);
      }
    }

    // A subscriber in another "process" rebuilds the same model from the topic: same predictions.
    const version = await firstValueFrom(subscribeModel<Row>({ brokers, topic: outputs.modelTopic, modelId: topology.modelId }));
    expect(version.manifest.version).toBe(latest.manifest.version);
    const probe = take(events(), 200) as Row[];
    const fromCheckpoint = fromState<Row>(latest.state);
    expect(Array.from(version.model.predictMany(probe))).toEqual(Array.from(fromCheckpoint.predictMany(probe)));
  });
});
