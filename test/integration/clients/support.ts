import { createKafkaSink, type KafkaSink } from '../../../connectors/kafka/sink';
import { ensureTopics } from '../../../connectors/kafka/topics';
import type { CheckpointManifest } from '../../../src/checkpoints/manifest';
import { createCheckpointPublisher } from '../../../src/checkpoints/publisher';
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
