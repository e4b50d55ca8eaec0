/**
 * The checkpoint publisher, `loadLatestCheckpoints` and `subscribeModel` over the fake kafkajs client
 * (test/unit/connectors/fake-kafka.ts): what a trainer writes to the model topic, and what readers make of it.
 */
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { createKafkaSink } from '../../../connectors/kafka/sink';
import { readersClosed } from '../../../connectors/kafka/topic-reader';
import { loadCheckpointIndex, loadLatestCheckpoints } from '../../../src/checkpoints/latest';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { parseManifestKey } from '../../../src/checkpoints/records';
import { subscribeModel, type ModelVersion } from '../../../src/checkpoints/subscribe';
import { createLinearRegression } from '../../../src/learners';
import type { ModelState } from '../../../src/state';
import { fakeCluster } from '../connectors/fake-kafka';

jest.mock('kafkajs', () => require('../connectors/fake-kafka').fakeKafkaJs());

const connection = { brokers: ['fake:9092'] };

function learnerState(seed: number): ModelState {
  const model = createLinearRegression({ numFeatures: 3, stepSize: 0.01 });
  for (let i = 0; i < 20; i++) model.learnOne(Float64Array.from([i * seed, 1, -i]), i % 5);
  return model.state();
}

const fields = (version: number, modelId = 'm') => ({
  modelId,
  version,
  offsets: [{ topic: 'in', partition: 0, offset: String(version * 10) }],
  examplesSeen: version * 10,
  metrics: { mae: version },
});
const keys = () => fakeCluster.partition('models', 0).messages.map((m) => `${String(m.key)}${m.value === null ? ' ∅' : ''}`);

beforeEach(() => {
  fakeCluster.reset();
  fakeCluster.addTopic('models', 1);
});

describe('the checkpoint publisher', () => {
  it('writes each version under its version key and the model id, and tombstones versions beyond keepVersions', async () => {
    const sink = createKafkaSink(connection);
    const publisher = createCheckpointPublisher({ sink, topic: 'models', keepVersions: 2 });
    for (const version of [1, 2, 3]) expect((await publisher.publish(fields(version), learnerState(version))).version).toBe(version);
    await sink.close();
    expect(keys()).toEqual(['m@v1', 'm', 'm@v2', 'm', 'm@v3', 'm', 'm@v1 ∅']);
    expect(
      keys()
        .filter((key) => !key.endsWith('∅'))
        .map((key) => parseManifestKey(key)),
    ).toContainEqual({ modelId: 'm', version: 3 });
  });

  it('retires by number a version published before a restart', async () => {
    const sink = createKafkaSink(connection);
    await createCheckpointPublisher({ sink, topic: 'models' }).publish(fields(7), learnerState(7));
    await sink.close();
    expect(keys()).toEqual(['m@v7', 'm', 'm@v4 ∅']);
  });

  it('refuses to keep fewer than two versions', () => {
    for (const keepVersions of [1, 2.5]) {
      expect(() => createCheckpointPublisher({ sink: { send: async () => undefined }, topic: 'models', keepVersions })).toThrow(
        `createCheckpointPublisher: keepVersions must be an integer ≥ 2, got ${keepVersions}`,
      );
    }
  });
});

describe('reading the model topic', () => {
  async function publish(versions: number[], modelId = 'm') {
    const sink = createKafkaSink(connection);
    const publisher = createCheckpointPublisher({ sink, topic: 'models' });
    for (const version of versions) await publisher.publish(fields(version, modelId), learnerState(version));
    await sink.close();
  }

  it('loads the newest good version of each model, walking back past a bad record and saying why', async () => {
    await publish([1, 2]);
    await publish([1], 'other');
    fakeCluster.appendMessage('models', 0, { key: 'm', value: Buffer.from('junk') });
    const skipped: string[] = [];
    const index = await loadCheckpointIndex(connection, 'models', { onSkipped: (reason) => skipped.push(reason) });
    expect([...index.latest].map(([id, checkpoint]) => [id, checkpoint.manifest.version])).toEqual([
      ['m', 2],
      ['other', 1],
    ]);
    expect(skipped).toEqual([expect.stringMatching(/^models\/0@\d+: .*bad magic/)]);
    expect(index.highestClaimed('m')).toBe(2);
    expect([...(await loadLatestCheckpoints(connection, 'models', 'other')).keys()]).toEqual(['other']);
    expect((await loadLatestCheckpoints(connection, 'models')).get('m')!.state.arrays).toEqual(learnerState(2).arrays);
    await readersClosed();
  });

  it('subscribeModel: emits the latest version at catch-up, then each newer one; reports bad ones and goes on', async () => {
    await publish([1, 2]);
    const rejected: string[] = [];
    const versions: Array<ModelVersion<Float64Array>> = [];
    const done = firstValueFrom(
      subscribeModel<Float64Array>({ ...connection, topic: 'models', modelId: 'm', onRejected: (reason) => rejected.push(reason) }).pipe(
        filter((version) => versions.push(version) > 0),
        take(2),
        toArray(),
      ),
    );
    for (let i = 0; i < 200 && versions.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    fakeCluster.appendMessage('models', 0, { key: 'm', value: Buffer.from('junk') });
    const sink = createKafkaSink(connection);
    await createCheckpointPublisher({ sink, topic: 'models' }).publish(fields(3), learnerState(3));
    await sink.close();
    const emitted = await done;
    expect(emitted.map((version) => version.manifest.version)).toEqual([2, 3]);
    expect(rejected).toEqual([expect.stringContaining('bad magic')]);
    // Rebuilt from the checkpoint, the model predicts with the weights it was published with (w·x + bias).
    expect(emitted[1].model.predictOne(Float64Array.of(1, 2, 3))).toBeCloseTo(
      [...learnerState(3).arrays.weights].slice(0, 3).reduce((sum, w, j) => sum + w * (j + 1), 0) + (learnerState(3).arrays.weights[3] ?? 0),
      6,
    );
    await readersClosed();
  });
});
