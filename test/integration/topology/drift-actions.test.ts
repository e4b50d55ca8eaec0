/**
 * Drift as a stream, on the test broker: a topology watching its model's prequential error publishes each
 * detection on `<topology>.drift` with the offset, the detector, its statistic and the model version, and
 * carries out its action — alert, reset (fresh model, old one archived) or rollback (to a better checkpoint).
 */
import { createJsonCodec } from '../../../connectors/codecs/json';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { drift as driftCommand } from '../../../src/cli/commands/drift';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { createAccuracy } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLogisticRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';
import type { DriftRecord } from '../../../src/topology/drift-record';
import type { DriftAction } from '../../../src/topology/drift-watch';
import { runTopology } from '../../../src/topology/run-topology';
import { readyMadeTopology } from '../../../src/topology/topology';
import { testBrokers, uniqueName } from '../../support/kafka';
import { produce, readAll } from './support';

const TOTAL = 6000;
/** Where every scenario's concept changes (or its burst of corrupted labels begins). */
const CHANGE_AT = 3000;

/** label = [x0 > 0], except where `flipped(i)`: there the concept is inverted. */
function events(flipped: (i: number) => boolean): object[] {
  const rng = createRandom(3);
  return Array.from({ length: TOTAL }, (_, i) => {
    const x0 = rng.gaussian();
    const x1 = rng.gaussian();
    return { x0, x1, label: x0 > 0 !== flipped(i) ? 1 : 0 };
  });
}

function driftTopology(action: DriftAction) {
  return readyMadeTopology(
    'drift-test',
    { prefix: `${uniqueName(`drift-${action}`)}.`, batch: { maxRecords: 200 }, checkpoint: { everyRecords: 500, everyMs: 60_000 } },
    {
      codec: createJsonCodec(),
      label: 'label',
      model: () =>
        pipeline(createVectorAssembler({ inputCols: ['x0', 'x1'], outputCol: 'features' }), createLogisticRegression({ numFeatures: 2, stepSize: 0.5 })),
      metrics: () => ({ accuracy: createAccuracy(), rollingAccuracy: createAccuracy({ window: 500 }) }),
      drift: { detector: { kind: 'ADWIN' }, on: 'error', action },
    },
  );
}

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

/** The replaced model is archived as the next version (a checkpoint may have landed since the detection), the new one follows it. */
function expectArchivedThenReplaced(modelId: string, record: DriftRecord): void {
  const archived = /@drift-v(\d+)$/.exec(record.archivedAs ?? '');
  expect(record.archivedAs?.startsWith(`${modelId}@drift-v`)).toBe(true);
  expect(Number(archived?.[1])).toBeGreaterThan(record.modelVersion);
  expect(record.newVersion).toBe(Number(archived?.[1]) + 1);
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
});
