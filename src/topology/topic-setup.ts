import type { KafkaConnection } from '../../connectors/kafka/connection';
import { ensureTopics, partitionCount } from '../../connectors/kafka/topics';
import type { TopologyConfig } from './topology';

/**
 * Creates what a topology reads and writes. An input topic that exists is used as it is (`partitions`
 * only says how to create a missing one); the predictions topic then gets as many partitions as the
 * input, since each prediction goes to the partition of its event.
 */
export async function ensureTopologyTopics({ input, outputs, importance }: TopologyConfig, connection: KafkaConnection): Promise<void> {
  await ensureTopics(connection, [
    { topic: input.topic, partitions: input.partitions ?? 1, acceptExistingPartitions: true },
    { topic: outputs.modelTopic, compacted: true },
    { topic: outputs.deadLetterTopic },
    ...(outputs.metricsTopic ? [{ topic: outputs.metricsTopic }] : []),
    ...(outputs.importanceTopic && importance ? [{ topic: outputs.importanceTopic }] : []),
  ]);
  if (outputs.predictionsTopic) {
    await ensureTopics(connection, [{ topic: outputs.predictionsTopic, partitions: await partitionCount(connection, input.topic) }]);
  }
}
