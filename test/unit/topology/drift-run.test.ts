/**
 * Drift actions through `runTopology` over the fake kafkajs client (test/unit/connectors/fake-kafka.ts):
 * the broker-backed scenarios of test/integration/topology/drift-actions.test.ts, in-process, so that the
 * runtime's drift wiring is unit-tested and mutation-tested.
 */
import { loadCheckpointIndex, loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { formatDrift, type DriftRecord } from '../../../src/topology/drift-record';
import type { DriftAction } from '../../../src/topology/drift-watch';
import { runTopology } from '../../../src/topology/run-topology';
import type { Topology } from '../../../src/topology/topology';
import {
  DRIFT_TOTAL as TOTAL,
  driftEvents,
  driftTopology as sharedTopology,
  expectArchivedThenReplaced,
  expectKeptAcrossTheNoise,
  expectRolledBackToKept,
  keptPoints,
  NOISE_END,
  noisyThenInverted,
  restartTopologies,
  type DriftEvent,
} from '../../support/drift-topology';
import { fakeCluster } from '../connectors/fake-kafka';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const encode = (events: DriftEvent[]): Buffer[] => events.map((e) => Buffer.from(JSON.stringify(e)));
const driftTopology = (action: DriftAction) => sharedTopology(action, { prefix: 'drift.', checkpoint: { everyRecords: 500, everyMs: 600_000 } });

async function run(action: DriftAction, flipped: (i: number) => boolean) {
  const topology = driftTopology(action);
  fakeCluster.addTopic(topology.config.input.topic, 1);
  fakeCluster.append(topology.config.input.topic, 0, encode(driftEvents(flipped)));
  const running = await runTopology(topology, { ...connection, until: (p) => p.records >= TOTAL });
  await running.done;
  return { topology, drift: driftRecords(topology), checkpoints: await loadLatestCheckpoints(connection, topology.config.outputs.modelTopic) };
}

const driftRecords = (topology: Topology): DriftRecord[] =>
  fakeCluster.partition(topology.config.outputs.driftTopic!, 0).messages.map((m) => JSON.parse(String(m.value)) as DriftRecord);

beforeEach(() => fakeCluster.reset());

describe('drift actions through runTopology over a fake Kafka', () => {
  it('alert: publishes the detection with its offset, detector, statistic and model version, and keeps the model', async () => {
    const { topology, drift, checkpoints } = await run('alert', (i) => i >= 3000);
    const up = drift.filter((d) => d.direction === 'up');
    expect(up.length).toBeGreaterThanOrEqual(1);
    const first = up[0];
    expect(first).toMatchObject({
      topology: topology.config.name,
      modelId: topology.modelId,
      detector: 'ADWIN',
      on: 'error',
      action: 'alert',
      topic: topology.config.input.topic,
      partition: 0,
    });
    expect(Number(first.offset)).toBeGreaterThanOrEqual(3000);
    expect(Number(first.offset)).toBeLessThan(3300);
    expect(first.statistic).toBeGreaterThan(first.threshold);
    expect(first.modelVersion).toBeGreaterThanOrEqual(1);
    expect(first.watched).toBe(Number(first.offset) + 1);
    expect(first.newVersion).toBeUndefined();
    expect(drift.filter((d) => d.direction === 'up' && Number(d.offset) < 3000)).toEqual([]);
    expect([...checkpoints.keys()]).toEqual([topology.modelId]);
    expect(checkpoints.get(topology.modelId)!.manifest.examplesSeen).toBe(TOTAL);
    expect(checkpoints.get(topology.modelId)!.manifest.extra?.drift).toBeDefined();
    expect(formatDrift(first)).toMatch(new RegExp(`ADWIN up at ${topology.config.input.topic}/0@${first.offset} statistic=.* → alert$`));
    // Each detection is keyed by model and position, so compaction keeps every one.
    expect(fakeCluster.partition(topology.config.outputs.driftTopic!, 0).messages.map((m) => String(m.key))).toEqual(
      drift.map((d) => `${topology.modelId}@${d.topic}/${d.partition}@${d.offset}`),
    );
  });

  it('reset: archives the old model under <id>@drift-v<n>, starts a fresh one as the next version, and learns every event once', async () => {
    const { topology, drift, checkpoints } = await run('reset', (i) => i >= 3000);
    const resets = drift.filter((d) => d.action === 'reset');
    expect(resets.length).toBeGreaterThanOrEqual(1);
    const first = resets[0];
    expect(Number(first.offset)).toBeGreaterThanOrEqual(3000);
    expectArchivedThenReplaced(topology.modelId, first);
    expect(formatDrift(first)).toContain(`→ reset: fresh model as v${first.newVersion}, old one kept as ${first.archivedAs}`);
    const archives = resets.map((d) => checkpoints.get(d.archivedAs!)!);
    expect(archives.every((a) => a !== undefined)).toBe(true);
    const live = checkpoints.get(topology.modelId)!;
    const lastArchive = archives[archives.length - 1];
    expect(live.manifest.examplesSeen).toBe(TOTAL - Number(lastArchive.manifest.offsets[0].offset));
    expect(archives[0].manifest.examplesSeen).toBe(Number(archives[0].manifest.offsets[0].offset));
    expect(live.state.arrays['model/weights'][0]).toBeLessThan(0);
    expect(archives[0].manifest.examplesSeen).toBeGreaterThanOrEqual(3000);
  });

  it('rollback: after a burst of corrupted labels, returns to the last checkpoint with a better rolling error', async () => {
    const { topology, drift, checkpoints } = await run('rollback', (i) => i >= 3000 && i < 3400);
    const rollbacks = drift.filter((d) => d.action === 'rollback');
    expect(rollbacks.length).toBeGreaterThanOrEqual(1);
    const first = rollbacks[0];
    expect(Number(first.offset)).toBeGreaterThanOrEqual(3000);
    expectArchivedThenReplaced(topology.modelId, first);
    expect(first.rolledBackTo).toBeLessThan(first.newVersion! - 1);
    expect(formatDrift(first)).toContain(`→ rollback: v${first.rolledBackTo} restored as v${first.newVersion}, replaced one kept as ${first.archivedAs}`);
    const archived = checkpoints.get(first.archivedAs!)!;
    expect(archived.manifest.examplesSeen).toBe(Number(archived.manifest.offsets[0].offset));
    const live = checkpoints.get(topology.modelId)!;
    expect(live.manifest.version).toBeGreaterThanOrEqual(first.newVersion!);
    expect(live.manifest.examplesSeen).toBeLessThan(TOTAL);
    expect(live.manifest.examplesSeen).toBeGreaterThan(TOTAL / 2);
    expect(live.state.arrays['model/weights'][0]).toBeGreaterThan(0);
  });

  it('rollback after a restart returns to a version read back from the model topic, chosen by the rolling error its manifest recorded', async () => {
    const { before, after } = restartTopologies('drift-restart.');
    const input = before.config.input.topic;
    const stream = encode(noisyThenInverted());
    fakeCluster.addTopic(input, 1);
    fakeCluster.append(input, 0, stream.slice(0, NOISE_END));
    await (
      await runTopology(before, { ...connection, until: (p) => p.records >= NOISE_END })
    ).done;
    const index = await loadCheckpointIndex(connection, before.config.outputs.modelTopic, { keepHistory: (id) => id === before.modelId });
    const kept = keptPoints(index.kept(before.modelId));
    expectKeptAcrossTheNoise(kept);
    // Tombstoned versions are not kept: the publisher keeps 3 of the 5 or more published.
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(kept.map((k) => k.version)).toEqual([...kept.map((k) => k.version)].sort((a, b) => a - b));

    fakeCluster.append(input, 0, stream.slice(NOISE_END));
    await (
      await runTopology(after, { ...connection, until: (p) => p.records >= TOTAL - NOISE_END })
    ).done;
    expectRolledBackToKept(kept, driftRecords(after), after.modelId);
  });
});
