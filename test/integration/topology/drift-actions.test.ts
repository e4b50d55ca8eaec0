/**
 * Drift as a stream, on the test broker: a topology watching its model's prequential error publishes each
 * detection on `<topology>.drift` with the offset, the detector, its statistic and the model version, and
 * carries out its action — alert, reset (fresh model, old one archived) or rollback (to a better checkpoint).
 */
import { ensureTopics } from '../../../connectors/kafka/topics';
import { drift as driftCommand } from '../../../src/cli/commands/drift';
import { loadCheckpointIndex, loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import type { DriftRecord } from '../../../src/topology/drift-record';
import type { DriftAction } from '../../../src/topology/drift-watch';
import { runTopology } from '../../../src/topology/run-topology';
import {
  CHANGE_AT,
  DRIFT_TOTAL as TOTAL,
  driftEvents as events,
  driftTopology as sharedTopology,
  expectArchivedThenReplaced,
  expectKeptAcrossTheNoise,
  expectRolledBackToKept,
  keptPoints,
  NOISE_END,
  noisyThenInverted,
  restartTopologies,
} from '../../support/drift-topology';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll } from './support';

const driftTopology = (action: DriftAction) =>
  sharedTopology(action, { prefix: `${uniqueName(`drift-${action}`)}.`, checkpoint: { everyRecords: 500, everyMs: 60_000 } });

async function run(action: DriftAction, flipped: (i: number) => boolean) {
  const brokers = testBrokers();
  const topology = driftTopology(action);
  await ensureTopics({ brokers }, [{ topic: topology.config.input.topic, partitions: 1 }]);
  // The events before the change first, and the rest once a checkpoint is out: every detection then has a
  // version before it to name or to roll back to, however the loaded machine schedules learning and publishing.
  const stream = events(flipped);
  await produce(brokers, topology.config.input.topic, stream.slice(0, CHANGE_AT));
  let published!: () => void;
  const firstCheckpoint = new Promise<void>((resolve) => (published = resolve));
  const running = await runTopology(topology, { brokers, until: (p) => p.records >= TOTAL, observer: { checkpointPublished: () => published() } });
  await firstCheckpoint;
  await produce(brokers, topology.config.input.topic, stream.slice(CHANGE_AT));
  await running.done;
  const drift = (await readAll(brokers, topology.config.outputs.driftTopic!)).map((r) => JSON.parse(r.value!.toString()) as DriftRecord);
  const checkpoints = await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic);
  return { topology, drift, checkpoints };
}

describe('drift actions on a real broker', () => {
  it('alert: publishes the detection of an abrupt concept change with its offset, detector, statistic and model version, and keeps the model', async () => {
    const { topology, drift, checkpoints } = await run('alert', (i) => i >= 3000);
    const up = drift.filter((d) => d.direction === 'up');
    expect(up.length).toBeGreaterThanOrEqual(1);
    const first = up[0]!;
    expect(first).toMatchObject({
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
    expect(first.modelVersion).toBeGreaterThanOrEqual(1); // a checkpoint was published before the change
    expect(first.newVersion).toBeUndefined();
    expect([...checkpoints.keys()]).toEqual([topology.modelId]);
    expect(checkpoints.get(topology.modelId)!.manifest.examplesSeen).toBe(TOTAL);
    expect(checkpoints.get(topology.modelId)!.manifest.extra?.drift).toBeDefined();

    // `streamlearn drift --once` prints the same detections, one line each.
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    try {
      await driftCommand.run({ values: { topic: topology.config.outputs.driftTopic!, brokers: testBrokers().join(','), once: true }, positionals: [] });
    } finally {
      write.mockRestore();
    }
    expect(printed).toHaveLength(drift.length);
    expect(printed).toContainEqual(expect.stringContaining(`ADWIN up at ${topology.config.input.topic}/0@${first.offset} statistic=`));
    expect(printed.find((line) => line.includes(`@${first.offset} `))).toMatch(/→ alert\n$/);
  });

  it('reset: archives the old model under <id>@drift-v<n>, starts a fresh one as the next version, and learns every event exactly once between them', async () => {
    const { topology, drift, checkpoints } = await run('reset', (i) => i >= 3000);
    const resets = drift.filter((d) => d.action === 'reset');
    expect(resets.length).toBeGreaterThanOrEqual(1);
    const first = resets[0]!;
    expect(Number(first.offset)).toBeGreaterThanOrEqual(3000);
    expectArchivedThenReplaced(topology.modelId, first);
    const archives = resets.map((d) => checkpoints.get(d.archivedAs!)!);
    expect(archives.every((a) => a !== undefined)).toBe(true);
    // The old model learned up to its archive's offsets; each fresh model from there on: nothing twice, nothing lost.
    const live = checkpoints.get(topology.modelId)!;
    const lastArchive = archives[archives.length - 1]!;
    expect(live.manifest.examplesSeen).toBe(TOTAL - Number(lastArchive.manifest.offsets[0]!.offset));
    expect(archives[0]!.manifest.examplesSeen).toBe(Number(archives[0]!.manifest.offsets[0]!.offset));
    // The fresh model learned the new concept: its weight on x0 is negative (label = [x0 <= 0]).
    const weights = live.state.arrays['model/weights']!;
    expect(weights[0]).toBeLessThan(0);
    expect(archives[0]!.manifest.examplesSeen).toBeGreaterThanOrEqual(3000);
  });

  it('rollback: after a burst of corrupted labels, returns to the last checkpoint with a better rolling error', async () => {
    const { topology, drift, checkpoints } = await run('rollback', (i) => i >= 3000 && i < 3400);
    const rollbacks = drift.filter((d) => d.action === 'rollback');
    expect(rollbacks.length).toBeGreaterThanOrEqual(1);
    const first = rollbacks[0]!;
    expect(Number(first.offset)).toBeGreaterThanOrEqual(3000);
    expectArchivedThenReplaced(topology.modelId, first);
    expect(first.rolledBackTo).toBeLessThan(first.newVersion! - 1);
    const archived = checkpoints.get(first.archivedAs!)!;
    expect(archived.manifest.examplesSeen).toBe(Number(archived.manifest.offsets[0]!.offset));
    // The live model went back to an earlier state: it has learned fewer events than were consumed, and
    // what it skipped is exactly what separates the archive from the checkpoint it returned to.
    const live = checkpoints.get(topology.modelId)!;
    expect(live.manifest.version).toBeGreaterThanOrEqual(first.newVersion!);
    expect(live.manifest.examplesSeen).toBeLessThan(TOTAL);
    expect(live.manifest.examplesSeen).toBeGreaterThan(TOTAL / 2);
    expect(live.state.arrays['model/weights']![0]).toBeGreaterThan(0);
  });

  it('a detection replayed after a crash comes again under the same key, and `streamlearn drift` prints it once', async () => {
    const brokers = testBrokers();
    const topology = driftTopology('alert');
    const driftTopic = topology.config.outputs.driftTopic!;
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic, partitions: 1 }]);
    await produce(
      brokers,
      topology.config.input.topic,
      events((i) => i >= 3000),
    );
    // The second run learns the same events again with a fresh model and detector, as a trainer restarted
    // after a crash replays what it learned since its last checkpoint.
    for (let pass = 0; pass < 2; pass++) await (await runTopology(topology, { brokers, fromBeginning: true, until: (p) => p.records >= TOTAL })).done;
    const records = await readAll(brokers, driftTopic);
    const keys = records.map((r) => r.key!.toString());
    const unique = new Set(keys);
    expect(unique.size).toBeGreaterThanOrEqual(1);
    expect(keys).toHaveLength(2 * unique.size);
    const first = JSON.parse(records[0]!.value!.toString()) as DriftRecord;
    expect(keys[0]).toBe(`${topology.modelId}@${topology.config.input.topic}/0@${first.offset}`);
    const printed: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => printed.push(String(chunk)) > 0);
    try {
      await driftCommand.run({ values: { topic: driftTopic, brokers: brokers.join(','), once: true }, positionals: [] });
    } finally {
      write.mockRestore();
    }
    expect(printed).toHaveLength(unique.size);
  });

  it('a restart resumes each model’s drift watch from its checkpoint: the detector goes on counting, and still finds the change', async () => {
    const brokers = testBrokers();
    const topology = driftTopology('alert');
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic, partitions: 1 }]);
    const stream = events((i) => i >= 3000);
    await produce(brokers, topology.config.input.topic, stream.slice(0, 2000));
    await (
      await runTopology(topology, { brokers, until: (p) => p.records >= 2000 })
    ).done;
    await produce(brokers, topology.config.input.topic, stream.slice(2000));
    const stopped = (await loadLatestCheckpoints({ brokers }, topology.config.outputs.modelTopic)).get(topology.modelId)!;
    const resumedAt = Number(stopped.manifest.offsets[0]!.offset);
    expect(resumedAt).toBe(2000);

    const restarted = await runTopology(topology, { brokers, until: (p) => p.records >= TOTAL - resumedAt });
    expect(restarted.restored[topology.modelId]).toBe(stopped.manifest.version);
    await restarted.done;
    const drift = (await readAll(brokers, topology.config.outputs.driftTopic!)).map((r) => JSON.parse(r.value!.toString()) as DriftRecord);
    const up = drift.filter((d) => d.direction === 'up' && Number(d.offset) >= 3000);
    expect(up.length).toBeGreaterThanOrEqual(1);
    expect(Number(up[0]!.offset)).toBeLessThan(3300);
    // ADWIN's count is one per event since it was created: it did not restart at the restart.
    expect(up[0]!.watched).toBe(Number(up[0]!.offset) + 1);
  });

  it('rollback after a restart: the targets are the versions kept on the model topic, with the rolling errors their manifests recorded', async () => {
    const brokers = testBrokers();
    const { before, after } = restartTopologies(`${uniqueName('drift-restart')}.`);
    const input = before.config.input.topic;
    const { modelTopic, driftTopic } = before.config.outputs;
    await ensureTopics({ brokers }, [{ topic: input, partitions: 1 }]);
    const stream = noisyThenInverted();
    await produce(brokers, input, stream.slice(0, NOISE_END));
    await (
      await runTopology(before, { brokers, until: (p) => p.records >= NOISE_END })
    ).done;
    const index = await loadCheckpointIndex({ brokers }, modelTopic, { keepHistory: (id) => id === before.modelId });
    const kept = keptPoints(index.kept(before.modelId));
    expectKeptAcrossTheNoise(kept);

    await produce(brokers, input, stream.slice(NOISE_END));
    const restarted = await runTopology(after, { brokers, until: (p) => p.records >= TOTAL - NOISE_END });
    expect(restarted.restored[after.modelId]).toBe(kept[kept.length - 1]!.version);
    await restarted.done;
    const drift = (await readAll(brokers, driftTopic!)).map((r) => JSON.parse(r.value!.toString()) as DriftRecord);
    expectRolledBackToKept(kept, drift, after.modelId);
    const live = (await loadLatestCheckpoints({ brokers }, modelTopic)).get(after.modelId)!;
    expect(live.manifest.examplesSeen).toBeLessThan(TOTAL);
  });
});
