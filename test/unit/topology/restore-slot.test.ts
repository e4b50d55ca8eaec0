/**
 * `newSlot`, `restoreSnapshot` and `loadTopologyCheckpoints`: what a slot resumes from a checkpoint (model,
 * metrics, label guard, offsets, count, version) and which of the model topic's checkpoints are a topology's.
 */
import { buildCheckpoint, type ManifestFields } from '../../../src/checkpoints/envelope';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { createLabelGuard } from '../../../src/topology/label-guard';
import { metricValues } from '../../../src/topology/model-slot';
import { LABEL_GUARD_KEY, loadTopologyCheckpoints, newSlot, restoreSnapshot, slotModelId } from '../../../src/topology/restore';
import { snapshotSlot } from '../../../src/topology/slot-health';
import { encodeMetricStates, METRIC_STATE_KEY } from '../../../src/topology/metric-state';
import type { ModelState } from '../../../src/state';
import type { OutgoingMessage } from '../../../connectors/kafka/sink';
import { fakeCluster } from '../connectors/fake-kafka';
import { classifierTopology, linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const topology = regressionTopology();
const where = () => 'events/0@9';
const offsets = [
  { topic: 'events', partition: 0, offset: '40' },
  { topic: 'events', partition: 1, offset: '7' },
];

function checkpointWith(extra: Record<string, unknown>, fields: Partial<ManifestFields> = {}, state: ModelState = topology.config.model().state()) {
  const all = { modelId: topology.modelId, version: 4, offsets: [], examplesSeen: 0, metrics: {}, extra, ...fields };
  return { manifest: buildCheckpoint(all as ManifestFields, state).manifest, state };
}

const checkpointWithGuard = (saved: unknown) => checkpointWith({ [LABEL_GUARD_KEY]: saved });

/** A guard that has learned labels 0-9: 1e6 is beyond its bound. */
function learnedGuard() {
  const guard = createLabelGuard({}, true);
  for (let i = 0; i < 200; i++) guard.accept(i % 10);
  return guard;
}

/** A model trained on a few events, so that its state differs from a fresh one. */
function trainedState(): ModelState {
  const model = topology.config.model();
  const rows = linearEvents(30);
  model.learnMany(
    rows,
    rows.map((row) => row.y as number),
  );
  return model.state();
}

describe('newSlot and the label guard', () => {
  it('resumes the outlier bound learned before the checkpoint: an outlier is refused from the first event', () => {
    const guard = learnedGuard();
    const restored = newSlot(topology, topology.modelId, checkpointWithGuard(guard.state()));
    expect(restored.version).toBe(4);
    expect(restored.labelGuard.check(1e6, where)?.message).toMatch(/^events\/0@9: label 1000000 is beyond the outlier bound .* learned from 200 labels$/);
    expect(restored.labelGuard.check(5, where)).toBeNull();
    // A fresh slot has learned no bound yet: it lets the same label through while it warms up.
    expect(newSlot(topology, topology.modelId).labelGuard.check(1e6, where)).toBeNull();
    expect(newSlot(topology, topology.modelId, checkpointWithGuard(guard.state()), true).labelGuard.check(1e6, where)).toBeNull();
  });

  it('starts a fresh guard when the saved one is not an object', () => {
    for (const saved of [null, 'bound', [1, 2], 7])
      expect(newSlot(topology, topology.modelId, checkpointWithGuard(saved)).labelGuard.check(1e6, where)).toBeNull();
  });

  it('starts a fresh guard when the saved one lacks any of its heights, positions or count', () => {
    const saved = learnedGuard().state();
    for (const field of ['heights', 'positions', 'count']) {
      const partial = { ...saved, [field]: field === 'count' ? '200' : undefined };
      const slot = newSlot(topology, topology.modelId, checkpointWithGuard(partial));
      expect(slot.labelGuard.check(1e6, where)).toBeNull();
      expect(slot.labelGuard.state()).toMatchObject({ count: 0 });
    }
  });
});

describe('newSlot', () => {
  it('restores the model, offsets, count and metrics a checkpoint records', () => {
    const metrics = topology.config.metrics();
    for (const [i, row] of linearEvents(12).entries()) for (const metric of Object.values(metrics)) metric.update(row.y as number, i / 3);
    const state = trainedState();
    const checkpoint = checkpointWith({ [METRIC_STATE_KEY]: encodeMetricStates(metrics) }, { version: 6, offsets, examplesSeen: 39 }, state);
    const slot = newSlot(topology, topology.modelId, checkpoint);
    expect(slot.model.state().arrays).toEqual(state.arrays);
    expect(slot.version).toBe(6);
    expect(slot.examplesSeen).toBe(39);
    expect([...slot.offsets.entries()]).toEqual([
      ['events/0', offsets[0]],
      ['events/1', offsets[1]],
    ]);
    // The ledger starts at the checkpoint's offsets: nothing consumed since.
    expect([...slot.ledger.keys()]).toEqual(['events/0', 'events/1']);
    expect(slot.sinceCheckpoint).toBe(0);
    expect(slot.journal).toEqual([]);
    expect(metricValues(slot.metrics)).toEqual(metricValues(metrics));
    // Its last good state, where a rollback returns to, is the restored one.
    expect(slot.lastGood.state.arrays).toEqual(state.arrays);
    expect(slot.lastGood.examplesSeen).toBe(39);
  });

  it('starts fresh with fromBeginning but numbers versions after the checkpoint and after any version claimed on the topic', () => {
    const checkpoint = checkpointWith({}, { version: 6, offsets, examplesSeen: 39 }, trainedState());
    const fresh = newSlot(topology, topology.modelId, checkpoint, true);
    expect(fresh.model.state().arrays).toEqual(topology.config.model().state().arrays);
    expect([fresh.version, fresh.examplesSeen, fresh.offsets.size, fresh.ledger.size]).toEqual([6, 0, 0, 0]);
    expect(newSlot(topology, topology.modelId, checkpoint, false, 9).version).toBe(9);
    expect(newSlot(topology, topology.modelId, checkpoint, false, 2).version).toBe(6);
    expect(newSlot(topology, topology.modelId, undefined, false, 3).version).toBe(3);
  });

  it('checks classes as indexes: a classifier has no outlier bound, a regressor has one', () => {
    const classifier = newSlot(classifierTopology({}), 'c');
    const regressor = newSlot(topology, 'r');
    for (let i = 0; i < 200; i++) {
      classifier.labelGuard.accept(i % 2);
      regressor.labelGuard.accept(i % 2);
    }
    expect(classifier.labelGuard.check(1e6, where)).toBeNull();
    expect(regressor.labelGuard.check(1e6, where)?.code).toBe('LABEL_OUT_OF_RANGE');
  });

  it('names a per-partition slot after its partition, a shared one after the topology', () => {
    expect(slotModelId(topology, 3)).toBe('unit-regression');
    expect(slotModelId(regressionTopology({ modelScope: 'per-partition' }), 3)).toBe('unit-regression.p3');
  });
});

describe('restoreSnapshot', () => {
  it('puts back the model, metrics, label bounds and count of the snapshot, and keeps the offsets', () => {
    const slot = newSlot(topology, topology.modelId, checkpointWith({}, { offsets }));
    for (let i = 0; i < 200; i++) slot.labelGuard.accept(i % 10);
    slot.examplesSeen = 200;
    const snapshot = snapshotSlot(slot);
    const before = { arrays: slot.model.state().arrays, metrics: metricValues(slot.metrics) };

    const rows = linearEvents(20);
    slot.model.learnMany(
      rows,
      rows.map((row) => row.y as number),
    );
    for (const metric of Object.values(slot.metrics)) metric.update(1, 5);
    for (let i = 0; i < 50; i++) slot.labelGuard.accept(1e3);
    slot.examplesSeen = 270;
    slot.offsets.set('events/0', { topic: 'events', partition: 0, offset: '60' });

    restoreSnapshot(topology, slot, snapshot);
    expect(slot.model.state().arrays).toEqual(before.arrays);
    expect(metricValues(slot.metrics)).toEqual(before.metrics);
    expect(slot.labelGuard.state()).toEqual(snapshot.labels);
    // Still a regressor's guard: the bound learned before the snapshot refuses an outlier.
    expect(slot.labelGuard.check(1e6, where)?.code).toBe('LABEL_OUT_OF_RANGE');
    expect(slot.examplesSeen).toBe(200);
    expect(slot.offsets.get('events/0')?.offset).toBe('60');
  });
});

describe('loadTopologyCheckpoints', () => {
  const connection = { brokers: ['fake:9092'] };
  beforeEach(() => {
    fakeCluster.reset();
    fakeCluster.addTopic('models', 1);
  });

  async function publish(...ids: Array<[string, number]>) {
    const sink = {
      send: async (topic: string, messages: OutgoingMessage[]) => messages.forEach((message) => fakeCluster.appendMessage(topic, 0, { ...message })),
    };
    const publisher = createCheckpointPublisher({ sink, topic: 'models' });
    const state = topology.config.model().state();
    for (const [modelId, version] of ids) await publisher.publish({ modelId, version, offsets: [], examplesSeen: version, metrics: {} }, state);
  }

  it("keeps only the topology's own models: its id, or its partitions' ids when per partition, never archived ones", async () => {
    await publish(
      ['unit-regression', 2],
      ['unit-regression.p0', 1],
      ['unit-regression.p1', 3],
      ['unit-regression.p1@drift-v2', 2],
      ['unit-regression@drift-v1', 1],
      ['other', 5],
    );
    const shared = await loadTopologyCheckpoints(topology, connection);
    expect([...shared.checkpoints.keys()]).toEqual(['unit-regression']);
    expect(shared.checkpoints.get('unit-regression')?.manifest.version).toBe(2);
    expect(shared.highestClaimed('other')).toBe(5);

    const perPartition = await loadTopologyCheckpoints(regressionTopology({ modelScope: 'per-partition' }), connection);
    // (A checkpoint under the bare id is loaded too; the per-partition slots never ask for it.)
    expect([...perPartition.checkpoints.keys()].sort()).toEqual(['unit-regression', 'unit-regression.p0', 'unit-regression.p1']);
  });

  it('keeps the older versions on the topic as rollback targets only when the topology rolls back on drift', async () => {
    await publish(['unit-regression', 1], ['unit-regression', 2], ['unit-regression', 3]);
    expect((await loadTopologyCheckpoints(topology, connection)).kept('unit-regression')).toEqual([]);
    const drift = { detector: { kind: 'ADWIN' as const }, on: 'absolute-error' as const, action: 'rollback' as const };
    const rollsBack = regressionTopology({ drift, outputs: { modelTopic: 'models', deadLetterTopic: 'dlq', driftTopic: 'drift' } });
    const kept = (await loadTopologyCheckpoints(rollsBack, connection)).kept('unit-regression');
    expect(kept.map((checkpoint) => checkpoint.manifest.version).sort()).toEqual([1, 2, 3]);
  });
});
