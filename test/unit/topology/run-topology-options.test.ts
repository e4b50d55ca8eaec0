/**
 * `runTopology`'s options and outputs over the fake kafkajs client (test/unit/connectors/fake-kafka.ts):
 * per-partition models through their handovers, signed checkpoints, the observer, the steps stream, the
 * idle checkpoint, the consumer group and the metrics topic's records.
 */
import { generateKeyPairSync } from 'node:crypto';
import { loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import type { TopologyStep } from '../../../src/topology/operators/checkpoint-when-due';
import { runTopology, type RunTopologyOptions } from '../../../src/topology/run-topology';
import type { TopologyConfig } from '../../../src/topology/topology';
import { pipeline } from '../../../src/features/pipeline';
import { createVectorAssembler } from '../../../src/features/vector-assembler';
import { createLogisticRegression, indexLabels } from '../../../src/learners';
import { fakeCluster } from '../connectors/fake-kafka';
import { FIELDS, linearEvents, regressionTopology } from './harness';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };
const outputs = { modelTopic: 'models', deadLetterTopic: 'dlq', metricsTopic: 'metrics' };
const topology = (config: Partial<TopologyConfig> = {}) =>
  regressionTopology({ outputs, batch: { maxRecords: 10 }, checkpoint: { everyRecords: 20, everyMs: 600_000 }, ...config });
const events = (n: number) => linearEvents(n).map((row) => Buffer.from(JSON.stringify(row)));
const latest = async () => loadLatestCheckpoints(connection, 'models');

async function run(config: Partial<TopologyConfig>, until: number, options: Partial<RunTopologyOptions> = {}) {
  const running = await runTopology(topology(config), { ...connection, until: (progress) => progress.records >= until, ...options });
  return { running, progress: await running.done };
}

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('events', 2);
});

describe('runTopology with a model per partition', () => {
  it('trains one model per partition, checkpoints each with its own offsets, and hands each over at a restart', async () => {
    fakeCluster.append('events', 0, events(30));
    fakeCluster.append('events', 1, events(20));
    const handovers: Array<{ modelId: string; change: string; version: number }> = [];
    const onHandover = (change: (typeof handovers)[number]) => handovers.push(change);
    const first = await run({ modelScope: 'per-partition' }, 50, { onHandover });
    expect(first.running.restored).toEqual({});
    expect(handovers.sort((a, b) => a.modelId.localeCompare(b.modelId))).toEqual([
      { modelId: 'unit-regression.p0', change: 'taken', version: 0 },
      { modelId: 'unit-regression.p1', change: 'taken', version: 0 },
    ]);
    const checkpoints = await latest();
    expect(checkpoints.get('unit-regression.p0')?.manifest).toMatchObject({ examplesSeen: 30, offsets: [{ partition: 0, offset: '30' }] });
    expect(checkpoints.get('unit-regression.p1')?.manifest).toMatchObject({ examplesSeen: 20, offsets: [{ partition: 1, offset: '20' }] });
    expect(first.progress.versions).toEqual({
      'unit-regression.p0': checkpoints.get('unit-regression.p0')!.manifest.version,
      'unit-regression.p1': checkpoints.get('unit-regression.p1')!.manifest.version,
    });

    // A restart restores each partition's model as its partition is assigned, and learns only what came after.
    handovers.length = 0;
    fakeCluster.append('events', 1, events(10));
    const second = await run({ modelScope: 'per-partition' }, 10, { onHandover });
    expect(second.running.restored).toEqual({});
    expect(handovers).toEqual(
      expect.arrayContaining([
        { modelId: 'unit-regression.p0', change: 'taken', version: checkpoints.get('unit-regression.p0')!.manifest.version },
        { modelId: 'unit-regression.p1', change: 'taken', version: checkpoints.get('unit-regression.p1')!.manifest.version },
      ]),
    );
    expect(second.progress.learned).toBe(10);
    expect((await latest()).get('unit-regression.p1')?.manifest).toMatchObject({ examplesSeen: 30, offsets: [{ partition: 1, offset: '30' }] });
  });
});

describe('runTopology with signed checkpoints', () => {
  it('signs every manifest, and restores only what the verifying key accepts', async () => {
    fakeCluster.append('events', 0, events(20));
    const signer = generateKeyPairSync('ed25519');
    const stranger = generateKeyPairSync('ed25519');
    await run({}, 20, { signingKey: signer.privateKey });
    expect((await latest()).get('unit-regression')?.manifest.signature).toMatchObject({ alg: 'ed25519', value: expect.any(String) });

    // Nothing new to learn: each run is stopped as soon as it has restored.
    const skipped: string[] = [];
    const refused = await runTopology(topology(), { ...connection, verifyKey: stranger.publicKey, onCheckpointSkipped: (reason) => skipped.push(reason) });
    expect(refused.restored).toEqual({});
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.every((reason) => reason.startsWith('models/0@'))).toBe(true);
    await refused.stop();

    const accepted = await runTopology(topology(), { ...connection, verifyKey: signer.publicKey });
    expect(accepted.restored).toEqual({ 'unit-regression': 1 });
    await accepted.stop();
  });
});

describe('runTopology reports what it does', () => {
  it('tells the observer and the steps stream of each batch and checkpoint, and writes each checkpoint’s metrics record', async () => {
    fakeCluster.append('events', 0, events(40));
    const learned: TopologyStep[] = [];
    const published: CheckpointManifest[] = [];
    const observer = { batchLearned: (step: TopologyStep) => learned.push(step), checkpointPublished: (m: CheckpointManifest) => published.push(m) };
    const running = await runTopology(topology(), { ...connection, observer, until: (progress) => progress.records >= 40 });
    const steps: Array<{ records: number; learned: number }> = [];
    running.steps.subscribe((step) => steps.push({ records: step.progress.records, learned: step.learned }));
    const progress = await running.done;

    expect(steps.map((step) => step.learned)).toEqual([10, 10, 10, 10]);
    expect(learned.map((step) => step.learned)).toEqual([10, 10, 10, 10]);
    expect(learned.map((step) => step.published?.version)).toEqual([undefined, 1, undefined, 2]);
    expect(published.map((m) => [m.version, m.examplesSeen])).toEqual([
      [1, 20],
      [2, 40],
    ]);
    expect(progress).toMatchObject({ records: 40, learned: 40, deadLettered: 0, versions: { 'unit-regression': 2 } });
    expect(progress.metrics).toEqual(published[1].metrics);

    const records = fakeCluster.partition('metrics', 0).messages.map((m) => ({ key: String(m.key), ...JSON.parse(String(m.value)) }));
    expect(records).toEqual(
      published.map(({ modelId, version, examplesSeen, metrics, offsets, createdAt }) => ({
        key: modelId,
        modelId,
        version,
        examplesSeen,
        metrics,
        offsets,
        createdAt,
      })),
    );
  });

  it('publishes a time-due checkpoint while the input is idle, and stop() ends the run with it committed', async () => {
    fakeCluster.append('events', 0, events(5));
    const running = await runTopology(topology({ checkpoint: { everyRecords: 1000, everyMs: 100 } }), connection);
    for (let i = 0; i < 600 && !(await latest()).has('unit-regression'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await latest()).get('unit-regression')?.manifest).toMatchObject({ version: 1, examplesSeen: 5 });
    const progress = await running.stop();
    expect(progress.records).toBe(5);
    expect(fakeCluster.committedOffset('unit-regression', 'events', 0)).toBe('5');
  });

  it('commits under the group it is given', async () => {
    fakeCluster.append('events', 0, events(20));
    const { progress } = await run({}, 20, { groupId: 'my-group' });
    expect(progress.learned).toBe(20);
    expect(fakeCluster.committedOffset('my-group', 'events', 0)).toBe('20');
    expect(fakeCluster.committedOffset('unit-regression', 'events', 0)).toBeUndefined();
  });

  it('fetches 1 MiB of each partition, or what the topology’s batch settings ask for', async () => {
    fakeCluster.append('events', 0, events(20));
    await run({}, 20);
    expect(fakeCluster.consumerSettings.at(-1)!.config).toMatchObject({ maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 200 });
    fakeCluster.append('events', 0, events(20));
    await run({ batch: { maxRecords: 10, maxBytesPerPartition: 65_536 } }, 20);
    expect(fakeCluster.consumerSettings.at(-1)!.config).toMatchObject({ maxBytesPerPartition: 65_536 });
  });

  it('names the original label with each prediction of a model that indexes its labels', async () => {
    const labelled = linearEvents(20, true).map((row) => Buffer.from(JSON.stringify({ ...row, y: row.y === 1 ? 'high' : 'low' })));
    fakeCluster.append('events', 0, labelled);
    const model = () =>
      indexLabels(pipeline(createVectorAssembler({ inputCols: FIELDS, outputCol: 'features' }), createLogisticRegression({ numFeatures: 2 })), {
        labels: ['low', 'high'],
      });
    await run({ model, metrics: () => ({}), outputs: { ...outputs, predictionsTopic: 'predictions' } }, 20);
    const predictions = fakeCluster.partition('predictions', 0).messages.map((m) => JSON.parse(String(m.value)) as { prediction: number; label?: string });
    expect(fakeCluster.partition('dlq', 0).messages.map((m) => String(m.headers?.['x-error-message']))).toEqual([]);
    expect(predictions.length).toBe(20);
    for (const { prediction, label } of predictions) expect([prediction, label]).toEqual([prediction, ['low', 'high'][prediction]]);
    expect(new Set(predictions.map(({ label }) => label))).toEqual(new Set(['low', 'high']));
  });
});
