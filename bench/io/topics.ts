import type { Admin } from 'kafkajs';
import { createKafkaClient } from '../../connectors/kafka/client';

async function withAdmin<T>(brokers: string[], use: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = createKafkaClient({ brokers, clientId: 'bench-admin' }).admin();
  await admin.connect();
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Messages stored in a topic, over all partitions: checks that a producer delivered all it was given. */
export function messageCount(brokers: string[], topic: string): Promise<number> {
  return withAdmin(brokers, async (admin) =>
    (await admin.fetchTopicOffsets(topic)).reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0),
  );
}

/** Deletes the benchmark's topics, so that a shared broker (KAFKA_BROKERS) keeps no gigabytes of test data. */
export async function deleteTopics(brokers: string[], topics: string[]): Promise<void> {
  await withAdmin(brokers, (admin) => admin.deleteTopics({ topics }));
}
