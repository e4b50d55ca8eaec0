import type { RecordPosition } from '../types';
import { createKafkaClient, type KafkaConnection } from './client';
import { brokerFailure } from './kafka-errors';

/**
 * Commits offsets for a group none of whose members is running, through the admin API (which refuses
 * while the group has running members): the way to record progress after the source has stopped.
 */
export async function commitAsAdmin(connection: KafkaConnection, clientId: string, groupId: string, positions: RecordPosition[]): Promise<void> {
  const byTopic = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const { topic, partition, offset } of positions) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
  const admin = createKafkaClient({ ...connection, clientId }).admin();
  try {
    await admin.connect();
    for (const [topic, partitions] of byTopic) await admin.setOffsets({ groupId, topic, partitions });
  } catch (err) {
    throw brokerFailure(`committing offsets of group "${groupId}" after the source stopped`, err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
