import { createKafkaClient } from '../../../connectors/kafka/client';
import { testBrokers, uniqueName } from '../../support/kafka';

describe('the broker from global setup', () => {
  it('is a real Kafka cluster that creates topics and carries records', async () => {
    const kafka = createKafkaClient({ brokers: testBrokers() });
    const admin = kafka.admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    expect(cluster.brokers.length).toBeGreaterThanOrEqual(1);
    const topic = uniqueName('broker-smoke');
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', partition: 1 }] });
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets.find((o) => o.partition === 1)?.high).toBe('1');
    expect(offsets.find((o) => o.partition === 0)?.high).toBe('0');
    await producer.disconnect();
    await admin.disconnect();
  });
});
