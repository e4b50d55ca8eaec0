/**
 * Drift actions through `runTopology` over the fake kafkajs client (test/unit/connectors/fake-kafka.ts):
 * the broker-backed scenarios of test/integration/topology/drift-actions.test.ts, in-process, so that the
 * runtime's drift wiring is unit-tested and mutation-tested.
 */
import { createJsonCodec } from '../../../connectors/codecs/json';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { createAccuracy } from '../../../src/evaluation';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLogisticRegression } from '../../../src/learners';
import { createRandom } from '../../../src/random';
import { formatDrift, type DriftRecord } from '../../../src/topology/drift-record';
import type { DriftAction } from '../../../src/topology/drift-watch';
import { runTopology } from '../../../src/topology/run-topology';
import { readyMadeTopology } from '../../../src/topology/topology';
import { fakeCluster } from '../connectors/fake-kafka';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const TOTAL = 6000;
const connection = { brokers: ['fake:9092'] };

/** label = [x0 > 0], except where `flipped(i)`: there the concept is inverted. */
function events(flipped: (i: number) => boolean): Buffer[] {
  const rng = createRandom(3);
  return Array.from({ length: TOTAL }, (_, i) => {
    const x0 = rng.gaussian();
    const x1 = rng.gaussian();
    return Buffer.from(JSON.stringify({ x0, x1, label: x0 > 0 !== flipped(i) ? 1 : 0 }));
  });
}

function driftTopology(action: DriftAction) {
  return readyMadeTopology(
    'drift-test',
    { prefix: 'drift.', batch: { maxRecords: 200 }, checkpoint: { everyRecords: 500, everyMs: 600_000 } },
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
  const topology = driftTopology(action);
  fakeCluster.addTopic(topology.config.input.topic, 1);
  fakeCluster.append(topology.config.input.topic, 0, events(flipped));
  const running = await runTopology(topology, { ...connection, until: (p) => p.records >= TOTAL });
  await running.done;
  const drift = fakeCluster.partition(topology.config.outputs.driftTopic!, 0).messages.map((m) => JSON.parse(String(m.value)) as DriftRecord);
  const checkpoints = await loadLatestCheckpoints(connection, topology.config.outputs.modelTopic);
  return { topology, drift, checkpoints };
}

/** The replaced model is archived as the next version (a checkpoint may have landed since the detection), the new one follows it. */
function expectArchivedThenReplaced(modelId: string, record: DriftRecord): void {
  const archived = /@drift-v(\d+)$/.exec(record.archivedAs ?? '');
  expect(record.archivedAs?.startsWith(`${modelId}@drift-v`)).toBe(true);
  expect(Number(archived?.[1])).toBeGreaterThan(record.modelVersion);
  expect(record.newVersion).toBe(Number(archived?.[1]) + 1);
}

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
});
