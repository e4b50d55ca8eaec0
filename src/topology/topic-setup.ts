import type { KafkaConnection } from '../../connectors/kafka/connection';
import { ensureTopics, partitionCount } from '../../connectors/kafka/topics';
import type { Topology } from './topology';

/**
 * Creates the topology's topics that are missing. An input topic that exists is used as it is
 * (`partitions` only says how to create a missing one); the predictions topic gets as many partitions as
 * the input really has, since each prediction goes to the partition of its event.
 */
export async function setUpTopics(connection: KafkaConnection, { config }: Topology): Promise<void> {
  const { outputs, input } = config;
  await ensureTopics(connection, [{ topic: input.topic, partitions: input.partitions ?? 1, acceptExistingPartitions: true }]);
  const inputPartitions = outputs.predictionsTopic ? await partitionCount(connection, input.topic) : 1;
  await ensureTopics(connection, [
    { topic: outputs.modelTopic, compacted: true },
    { topic: outputs.deadLetterTopic },
    ...(outputs.metricsTopic ? [{ topic: outputs.metricsTopic }] : []),
    ...(outputs.predictionsTopic ? [{ topic: outputs.predictionsTopic, partitions: inputPartitions }] : []),
    ...(outputs.importanceTopic && config.importance ? [{ topic: outputs.importanceTopic }] : []),
    ...(outputs.driftTopic && config.drift ? [{ topic: outputs.driftTopic }] : []),
  ]);
}
