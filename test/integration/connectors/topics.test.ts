import { ConfigResourceTypes } from 'kafkajs';
import { createKafkaClient } from '../../../connectors/kafka/client';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { ConfigError } from '../../../src/errors';
import { testBrokers, uniqueName } from '../../support/kafka';

async function topicLayout(topic: string) {
  const admin = createKafkaClient({ brokers: testBrokers() }).admin();
  await admin.connect();
  try {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy', 'max.message.bytes'] }],
    });
    const config = Object.fromEntries(resources[0].configEntries.map((entry) => [entry.configName, entry.configValue]));
    return { partitions: metadata.partitions.length, replicas: metadata.partitions[0].replicas.length, config };
  } finally {
    await admin.disconnect();
  }
}

describe('ensureTopics', () => {
  it('creates topics with their partitions, compaction and max.message.bytes', async () => {
    const model = uniqueName('models');
    const data = uniqueName('data');
    await ensureTopics({ brokers: testBrokers() }, [
      { topic: model, compacted: true, maxMessageBytes: 4_000_000 },
      { topic: data, partitions: 3 },
    ]);
    const modelTopic = await topicLayout(model);
    expect(modelTopic).toEqual({ partitions: 1, replicas: 1, config: { 'cleanup.policy': 'compact', 'max.message.bytes': '4000000' } });
    const dataTopic = await topicLayout(data);
    expect(dataTopic.partitions).toBe(3);
    expect(dataTopic.config['cleanup.policy']).toBe('delete');
  });

  it('is idempotent for existing topics, creates the missing ones next to them, and rejects a partition mismatch', async () => {
    const existing = uniqueName('existing');
    const fresh = uniqueName('fresh');
    await ensureTopics({ brokers: testBrokers() }, [{ topic: existing, partitions: 2 }]);
    await ensureTopics({ brokers: testBrokers() }, [
      { topic: existing, partitions: 2 },
      { topic: fresh, partitions: 4 },
    ]);
    // Without a partition count, an existing topic is accepted as it is.
    await ensureTopics({ brokers: testBrokers() }, [{ topic: existing }]);
    expect((await topicLayout(existing)).partitions).toBe(2);
    expect((await topicLayout(fresh)).partitions).toBe(4);
    const mismatch = ensureTopics({ brokers: testBrokers() }, [{ topic: existing, partitions: 5 }]);
    await expect(mismatch).rejects.toBeInstanceOf(ConfigError);
    await expect(mismatch).rejects.toThrow(`topic "${existing}" already exists with 2 partitions, but 5 were asked for`);
  });

  it('rejects invalid specs before talking to the broker', async () => {
    await expect(ensureTopics({ brokers: testBrokers() }, [{ topic: 'has space' }])).rejects.toThrow(ConfigError);
    await expect(ensureTopics({ brokers: testBrokers() }, [{ topic: uniqueName('t'), partitions: 0 }])).rejects.toThrow(
      /partitions .* must be a positive integer/,
    );
    const twice = uniqueName('twice');
    await expect(ensureTopics({ brokers: testBrokers() }, [{ topic: twice }, { topic: twice }])).rejects.toThrow(/listed twice/);
  });
});
