import { ConfigResourceTypes } from 'kafkajs';
import { ConfigError } from '../../src/errors';
import { retry } from '../../src/retry';
import { requirePositiveInteger } from '../codecs/validate';
import type { Admin } from 'kafkajs';
import { createKafkaClient, type KafkaConnection } from './client';
import { brokerFailure, isKafkaRetriable } from './kafka-errors';

export interface TopicSpec {
  topic: string;
  /** Default 1 for a new topic; when absent, an existing topic's partition count is accepted as it is. */
  partitions?: number;
  /** True: `partitions` is only the count for creating the topic; an existing one is used with the count it has. */
  acceptExistingPartitions?: boolean;
  /** Default 1: the development and CI broker is a single node. */
  replicationFactor?: number;
  /** `cleanup.policy=compact`, for model and checkpoint topics where only the latest value per key matters. */
  compacted?: boolean;
  /** The topic's `max.message.bytes`; the broker default (about 1 MiB) when absent. */
  maxMessageBytes?: number;
  /** The topic's `retention.ms`, for transient topics (a shared model's mix topic); the broker default when absent. */
  retentionMs?: number;
}

/**
 * Fails at once, naming every missing topic: auto-creation is off, and kafkajs would otherwise retry an
 * unknown topic for most of a minute before saying so, in its protocol's words.
 */
export async function requireTopics(admin: Admin, topics: string[], hint = 'create it first (ensureTopics or `streamlearn produce`)'): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((topic) => !existing.has(topic));
  if (missing.length > 0) throw new ConfigError(`topic ${missing.map((t) => `"${t}"`).join(', ')} does not exist; ${hint}`);
}

/** How many partitions a topic has now. */
export async function partitionCount(connection: KafkaConnection, topic: string): Promise<number> {
  const admin = createKafkaClient({ ...connection, clientId: 'streamlearn-admin' }).admin();
  try {
    await admin.connect();
    await requireTopics(admin, [topic]);
    const { topics } = await retry(() => admin.fetchTopicMetadata({ topics: [topic] }), { shouldRetry: isKafkaRetriable });
    return topics[0].partitions.length;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw brokerFailure(`reading the partitions of "${topic}"`, err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Kafka's own rule for topic names. */
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

function validated(spec: TopicSpec) {
  const { topic, partitions, replicationFactor = 1, compacted = false, maxMessageBytes, acceptExistingPartitions = false, retentionMs } = spec;
  if (!TOPIC_NAME.test(topic) || topic === '.' || topic === '..') {
    throw new ConfigError(`ensureTopics: "${topic}" is not a valid topic name (1-249 of a-z A-Z 0-9 . _ -)`);
  }
  const configEntries = [
    ...(compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
    ...(maxMessageBytes === undefined
      ? []
      : [{ name: 'max.message.bytes', value: String(requirePositiveInteger('ensureTopics', `maxMessageBytes of "${topic}"`, maxMessageBytes)) }]),
    ...(retentionMs === undefined
      ? []
      : [{ name: 'retention.ms', value: String(requirePositiveInteger('ensureTopics', `retentionMs of "${topic}"`, retentionMs)) }]),
  ];
  return {
    topic,
    numPartitions: requirePositiveInteger('ensureTopics', `partitions of "${topic}"`, partitions ?? 1),
    partitionsRequired: partitions !== undefined && !acceptExistingPartitions,
    replicationFactor: requirePositiveInteger('ensureTopics', `replicationFactor of "${topic}"`, replicationFactor),
    configEntries,
  };
}

/**
 * Creates the topics that do not exist yet, with their config; topics that exist are left as they are but
 * must have the partition count asked for (if one is), since keys would otherwise land on other partitions
 * than the caller expects. The broker never creates topics on its own (auto-creation is off).
 */
export async function ensureTopics(connection: KafkaConnection, specs: TopicSpec[]): Promise<void> {
  const topics = specs.map(validated);
  const names = new Set(topics.map((t) => t.topic));
  if (names.size !== topics.length) throw new ConfigError('ensureTopics: a topic is listed twice');
  if (topics.length === 0) return;
  const admin = createKafkaClient({ ...connection, clientId: 'streamlearn-admin' }).admin();
  try {
    await admin.connect();
    // Retried: while the broker creates an internal topic (the first transactional writer's __transaction_state,
    // 50 partitions) new topics' leaders can be missing for a while (UNKNOWN_TOPIC_OR_PARTITION; seen in tests).
    const create = topics.map(({ partitionsRequired, ...topic }) => topic);
    await retry(() => admin.createTopics({ topics: create, waitForLeaders: true }), { shouldRetry: isKafkaRetriable, retries: 8, initialDelayMs: 250 });
    // Metadata of a topic just created can lag behind its creation for a moment (UNKNOWN_TOPIC_OR_PARTITION).
    const { topics: existing } = await retry(() => admin.fetchTopicMetadata({ topics: [...names] }), { shouldRetry: isKafkaRetriable });
    for (const { topic, numPartitions, partitionsRequired } of topics) {
      const found = existing.find((t) => t.name === topic)?.partitions.length ?? 0;
      if (partitionsRequired && found !== numPartitions) {
        throw new ConfigError(`topic "${topic}" already exists with ${found} partitions, but ${numPartitions} were asked for`);
      }
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw brokerFailure(`ensureTopics(${[...names].join(', ')})`, err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Each topic's `max.message.bytes`, as the broker reports it (the broker default for topics without one). */
export async function topicMaxMessageBytes(connection: KafkaConnection, topics: string[]): Promise<Map<string, number>> {
  const admin = createKafkaClient({ ...connection, clientId: 'streamlearn-admin' }).admin();
  try {
    await admin.connect();
    const { resources } = await retry(
      () =>
        admin.describeConfigs({
          resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
          includeSynonyms: false,
        }),
      { shouldRetry: isKafkaRetriable },
    );
    const limits = new Map<string, number>();
    for (const resource of resources) {
      const entry = resource.configEntries.find((config) => config.configName === 'max.message.bytes');
      if (entry) limits.set(resource.resourceName, Number(entry.configValue));
    }
    return limits;
  } catch (err) {
    throw brokerFailure(`reading max.message.bytes of ${topics.join(', ')}`, err);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
