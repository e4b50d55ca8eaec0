import { createKafkaSink, type KafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { buildCheckpoint, encodeEnvelope } from '../../../src/checkpoints/envelope';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
import { createLinearSVM } from '../../../src/learners';
import type { ModelState } from '../../../src/state';
import { testBrokers, uniqueName } from '../../support/kafka';

/**
 * Publishes `versions` checkpoints of a model on a fresh compacted topic as the runtime does, in 4 KiB
 * chunks so that older versions' chunks get tombstoned. `learn(version)` advances the model and returns
 * it. The sink stays open for the caller (to send more records), who closes it.
 */
export async function publishVersions(
  prefix: string,
  modelId: string,
  versions: number,
  learn: (version: number) => { state(): ModelState },
): Promise<{ topic: string; last: CheckpointManifest; sink: KafkaSink }> {
  const brokers = testBrokers();
  const topic = `${uniqueName(prefix)}.models`;
  await ensureTopics({ brokers }, [{ topic, compacted: true }]);
  const sink = createKafkaSink({ brokers });
  try {
    const publisher = createCheckpointPublisher({ sink, topic, maxMessageBytes: 4096 });
    let last: CheckpointManifest | undefined;
    for (let version = 1; version <= versions; version++) {
      const fields = { modelId, version, offsets: [{ topic: 'in', partition: 0, offset: String(version * 100) }], examplesSeen: version * 100, metrics: {} };
      last = await publisher.publish(fields, learn(version).state());
    }
    return { topic, last: last!, sink };
  } catch (err) {
    await sink.close();
    throw err;
  }
}

/**
 * Writes five versions of model `mixed` stamped [version, epoch, generation] on a fresh compacted topic: the
 * old life of the group, a reset (generations from 1 again, epoch 1), a stale generation within epoch 1, a
 * zombie of the old life, and the newest version. A reader following mixer epochs picks v5 and refuses v3
 * and v4. Returns the topic.
 */
export async function publishEpochStampedVersions(prefix: string): Promise<string> {
  const brokers = testBrokers();
  const topic = `${uniqueName(prefix)}.models`;
  await ensureTopics({ brokers }, [{ topic, compacted: true }]);
  const model = createLinearSVM({ numFeatures: 2 });
  const stamps = [
    [1, 0, 40],
    [2, 1, 2],
    [3, 1, 1],
    [4, 0, 41],
    [5, 1, 3],
  ];
  const records = stamps.map(([version, epoch, generation]) => {
    const { manifest, payload } = buildCheckpoint(
      { modelId: 'mixed', version, epoch, generation, offsets: [], examplesSeen: version, metrics: {} },
      model.state(),
    );
    return { key: 'mixed', value: encodeEnvelope(manifest, payload) };
  });
  const sink = createKafkaSink({ brokers });
  try {
    await sink.send(topic, records);
  } finally {
    await sink.close();
  }
  return topic;
}
