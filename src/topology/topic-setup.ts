import { KAFKA_DEFAULT_MAX_MESSAGE_BYTES } from '../../connectors/dead-letter';
import type { KafkaConnection } from '../../connectors/kafka/connection';
import { ensureTopics, partitionCount, topicMaxMessageBytes } from '../../connectors/kafka/topics';
import type { Topology } from './topology';

/** Room on a dead-letter record for the `x-` headers and the original headers, beyond the input's own limit. */
const DEAD_LETTER_HEADROOM_BYTES = 64 * 1024;

/**
 * Creates the topology's topics that are missing. An input topic that exists is used as it is
 * (`partitions` only says how to create a missing one); the predictions topic gets as many partitions as
 * the input really has, since each prediction goes to the partition of its event. The dead-letter topic is
 * created with a `max.message.bytes` that fits any record the input topic accepts plus the error headers,
 * so that a record is dead-lettered whole; returns the dead-letter topic's actual limit (it may have
 * existed with a smaller one), which the dead-letter writer truncates to.
 */
export async function setUpTopics(connection: KafkaConnection, { config }: Topology): Promise<{ deadLetterMaxBytes: number }> {
  const { outputs, input } = config;
  await ensureTopics(connection, [{ topic: input.topic, partitions: input.partitions ?? 1, acceptExistingPartitions: true }]);
  const inputPartitions = outputs.predictionsTopic ? await partitionCount(connection, input.topic) : 1;
  const inputLimit = (await topicMaxMessageBytes(connection, [input.topic])).get(input.topic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  await ensureTopics(connection, [
    { topic: outputs.modelTopic, compacted: true },
    { topic: outputs.deadLetterTopic, maxMessageBytes: Math.max(inputLimit, KAFKA_DEFAULT_MAX_MESSAGE_BYTES) + DEAD_LETTER_HEADROOM_BYTES },
    ...(outputs.metricsTopic ? [{ topic: outputs.metricsTopic }] : []),
    ...(outputs.predictionsTopic ? [{ topic: outputs.predictionsTopic, partitions: inputPartitions }] : []),
    ...(outputs.importanceTopic && config.importance ? [{ topic: outputs.importanceTopic }] : []),
    // Compacted: a detection replayed after a crash has the same key (drift-record.ts) and replaces the first.
    ...(outputs.driftTopic && config.drift ? [{ topic: outputs.driftTopic, compacted: true }] : []),
  ]);
  const deadLetterMaxBytes =
    (await topicMaxMessageBytes(connection, [outputs.deadLetterTopic])).get(outputs.deadLetterTopic) ?? KAFKA_DEFAULT_MAX_MESSAGE_BYTES;
  return { deadLetterMaxBytes };
}
