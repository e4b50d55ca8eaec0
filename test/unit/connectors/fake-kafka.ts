/**
 * An in-process stand-in for the kafkajs client, in the style of kafkajs's own runner tests (a fake group
 * and fetched batches), so that the Kafka connectors can be unit-tested without a broker. A test installs it
 * with `jest.mock('kafkajs', () => require('./fake-kafka').fakeKafkaJs())` and scripts `fakeCluster`.
 *
 * What it models: topics of partitions holding messages from offset `low`; committed offsets per group; a
 * consumer that joins (GROUP_JOIN with its assignment), fetches from committed offsets or seeks, calls
 * eachBatch/eachMessage, re-fetches what was not resolved, re-joins after a rebalance error or a scripted
 * rebalance, and asks `retry.restartOnFailure` after any other error (then CRASH when refused).
 *
 * Groups: the running consumers of one group id split its partitions round-robin in the order they joined
 * (partition p goes to the (p mod n)-th member); a member joining or leaving moves the group to its next
 * generation, and every other member re-joins before its next fetch (its heartbeat then fails as the
 * coordinator's does). A member of an older generation has its commits refused with ILLEGAL_GENERATION.
 * Transactional producers: a producer that connects with a transactional id fences every earlier holder of
 * that id, whose later transactions fail with PRODUCER_FENCED, as the broker's transaction coordinator does.
 */
import type { KafkaMessage } from 'kafkajs';

interface FakePartition {
  low: number;
  messages: KafkaMessage[];
}

interface FakeTopic {
  partitions: FakePartition[];
  configs: Record<string, string>;
}

export interface ProducedBatch {
  acks: number | undefined;
  topicMessages: Array<{ topic: string; messages: Array<Record<string, unknown>> }>;
  producer: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeCluster {
  topics = new Map<string, FakeTopic>();
  committed = new Map<string, string>();
  produced: ProducedBatch[] = [];
  /** Every call made, e.g. `admin.connect`, `consumer.commitOffsets`, in order. */
  calls: string[] = [];
  /** The configs the client was built with, in order. */
  clients: Array<Record<string, unknown>> = [];
  deletedGroups: string[] = [];
  /** What each consumer was built, subscribed and run with (functions kept), in order. */
  consumerSettings: Array<{ config: Record<string, unknown>; subscription?: Record<string, unknown>; run?: Record<string, unknown> }> = [];
  producersCreated = 0;
  private failures = new Map<string, unknown[]>();
  private rebalances = 0;
  /** Each group's running members in join order, and how often its membership changed. */
  private groups = new Map<string, { members: string[]; changes: number }>();
  /** The latest producer to open each transactional id: only it may use the id. */
  private transactionalHolders = new Map<string, number>();

  reset(): void {
    Object.assign(this, new FakeCluster());
  }

  addTopic(name: string, partitions = 1, configs: Record<string, string> = {}): void {
    this.topics.set(name, { partitions: Array.from({ length: partitions }, () => ({ low: 0, messages: [] })), configs });
  }

  /** Appends values (JSON-encoded unless bytes or null) to a partition; returns their offsets. */
  append(topic: string, partition: number, values: unknown[], key: string | null = null): string[] {
    const part = this.partition(topic, partition);
    return values.map((value) => {
      const offset = String(part.low + part.messages.length);
      const bytes = value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(JSON.stringify(value));
      part.messages.push({ offset, key: key === null ? null : Buffer.from(key), value: bytes, headers: {}, timestamp: '1000', attributes: 0 } as KafkaMessage);
      return offset;
    });
  }

  /** Appends one produced message as a consumer would read it: key, value and header values as bytes. */
  appendMessage(topic: string, partition: number, { key, value, headers = {}, timestamp }: Record<string, unknown>): void {
    const part = this.partition(topic, partition);
    const bytes = (one: unknown) => (one === null || one === undefined ? null : Buffer.isBuffer(one) ? one : Buffer.from(String(one)));
    const offset = String(part.low + part.messages.length);
    const readHeaders = Object.fromEntries(
      Object.entries(headers as Record<string, unknown>).map(([name, one]) => [name, Array.isArray(one) ? one.map(bytes) : bytes(one)]),
    );
    part.messages.push({
      offset,
      key: bytes(key),
      value: bytes(value),
      headers: readHeaders,
      timestamp: String(timestamp ?? 1000),
      attributes: 0,
    } as KafkaMessage);
  }

  /** Drops the first `count` messages of a partition, as retention would. */
  truncate(topic: string, partition: number, count: number): void {
    const part = this.partition(topic, partition);
    part.messages.splice(0, count);
    part.low += count;
  }

  partition(topic: string, partition: number): FakePartition {
    const found = this.topics.get(topic)?.partitions[partition];
    if (!found) throw Object.assign(new Error(`This server does not host this topic-partition`), { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });
    return found;
  }

  end(topic: string, partition: number): number {
    const part = this.partition(topic, partition);
    return part.low + part.messages.length;
  }

  /** The next calls of `operation` throw these errors, one each. */
  failNext(operation: string, ...errors: unknown[]): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), ...errors]);
  }

  /** Every running consumer re-joins the group before its next fetch. */
  rebalance(): void {
    this.rebalances++;
  }

  rebalanceCount(): number {
    return this.rebalances;
  }

  /** The group's generation count so far: scripted rebalances plus its membership changes. */
  groupEpoch(group: string): number {
    return this.rebalances + (this.groups.get(group)?.changes ?? 0);
  }

  /** Adds a member (a change of membership: the others re-join); returns the partitions of `count` it owns. */
  joinGroup(group: string, member: string, count: number): number[] {
    const state = this.groups.get(group) ?? { members: [], changes: 0 };
    this.groups.set(group, state);
    if (!state.members.includes(member)) {
      state.members.push(member);
      state.changes++;
    }
    const index = state.members.indexOf(member);
    return Array.from({ length: count }, (_, partition) => partition).filter((partition) => partition % state.members.length === index);
  }

  leaveGroup(group: string, member: string): void {
    const state = this.groups.get(group);
    if (!state?.members.includes(member)) return;
    state.members = state.members.filter((one) => one !== member);
    state.changes++;
  }

  members(group: string): string[] {
    return [...(this.groups.get(group)?.members ?? [])];
  }

  /** A producer opened `transactionalId` (InitProducerId): every earlier holder is fenced. */
  openTransactional(transactionalId: string, producer: number): void {
    this.transactionalHolders.set(transactionalId, producer);
  }

  isFencedProducer(transactionalId: string, producer: number): boolean {
    return this.transactionalHolders.get(transactionalId) !== producer;
  }

  call(operation: string): void {
    this.calls.push(operation);
    const error = this.failures.get(operation)?.shift();
    if (error !== undefined) throw error;
  }

  committedOffset(group: string, topic: string, partition: number): string | undefined {
    return this.committed.get(`${group}|${topic}|${partition}`);
  }

  commit(group: string, topic: string, partition: number, offset: string): void {
    this.committed.set(`${group}|${topic}|${partition}`, offset);
  }
}

export const fakeCluster = new FakeCluster();

export const protocolError = (type: string, retriable: boolean, message = type.toLowerCase().replace(/_/g, ' ')) =>
  Object.assign(new Error(message), { name: 'KafkaJSProtocolError', type, retriable });

function fakeAdmin(cluster: FakeCluster) {
  const call = (operation: string) => cluster.call(`admin.${operation}`);
  return {
    async connect() {
      call('connect');
    },
    async disconnect() {
      call('disconnect');
    },
    async listTopics() {
      call('listTopics');
      return [...cluster.topics.keys()];
    },
    async fetchTopicOffsets(topic: string) {
      call('fetchTopicOffsets');
      const { partitions } = cluster.topics.get(topic) ?? { partitions: [] };
      return partitions.map((part, partition) => ({ partition, low: String(part.low), high: String(part.low + part.messages.length), offset: '0' }));
    },
    async fetchTopicMetadata({ topics }: { topics: string[] }) {
      call('fetchTopicMetadata');
      return {
        topics: topics.map((name) => {
          const topic = cluster.topics.get(name);
          if (!topic) throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', true);
          return { name, partitions: topic.partitions.map((_, partitionId) => ({ partitionId })) };
        }),
      };
    },
    async createTopics({ topics }: { topics: Array<{ topic: string; numPartitions: number; configEntries: Array<{ name: string; value: string }> }> }) {
      call('createTopics');
      let created = false;
      for (const { topic, numPartitions, configEntries } of topics) {
        if (cluster.topics.has(topic)) continue;
        cluster.addTopic(topic, numPartitions, Object.fromEntries(configEntries.map(({ name, value }) => [name, value])));
        created = true;
      }
      return created;
    },
    async describeConfigs({ resources }: { resources: Array<{ name: string; configNames: string[] }> }) {
      call('describeConfigs');
      return {
        resources: resources.map(({ name }) => ({
          resourceName: name,
          configEntries: [{ configName: 'max.message.bytes', configValue: cluster.topics.get(name)?.configs['max.message.bytes'] ?? '1048588' }],
        })),
      };
    },
    async setOffsets({ groupId, topic, partitions }: { groupId: string; topic: string; partitions: Array<{ partition: number; offset: string }> }) {
      call('setOffsets');
      for (const { partition, offset } of partitions) cluster.commit(groupId, topic, partition, offset);
    },
    async deleteGroups(groups: string[]) {
      call('deleteGroups');
      cluster.deletedGroups.push(...groups);
    },
    async describeCluster() {
      call('describeCluster');
      return { clusterId: 'fake-cluster', brokers: [], controller: 1 };
    },
  };
}

function fakeProducer(cluster: FakeCluster, transactionalId?: string) {
  const id = ++cluster.producersCreated;
  const fenceCheck = () => {
    if (transactionalId !== undefined && cluster.isFencedProducer(transactionalId, id))
      throw protocolError('PRODUCER_FENCED', false, 'There is a newer producer with the same transactionalId which fences the current one');
  };
  return {
    async connect() {
      cluster.call('producer.connect');
      if (transactionalId !== undefined) cluster.openTransactional(transactionalId, id);
    },
    async disconnect() {
      cluster.call('producer.disconnect');
    },
    /** A transaction's messages reach the topic at its commit, as a read_committed reader sees them. */
    async transaction() {
      cluster.call('producer.transaction');
      const pending: Array<{ topic: string; messages: ProducedBatch['topicMessages'][number]['messages'] }> = [];
      return {
        async send({ topic, messages }: (typeof pending)[number]) {
          cluster.call('transaction.send');
          fenceCheck();
          pending.push({ topic, messages });
        },
        async commit() {
          cluster.call('transaction.commit');
          fenceCheck();
          for (const { topic, messages } of pending.splice(0)) {
            for (const message of messages) cluster.appendMessage(topic, (message.partition as number | undefined) ?? 0, message);
          }
        },
        async abort() {
          cluster.call('transaction.abort');
          pending.length = 0;
        },
      };
    },
    async sendBatch({ acks, topicMessages }: { acks?: number; topicMessages: ProducedBatch['topicMessages'] }) {
      cluster.call('producer.sendBatch');
      for (const { topic, messages } of topicMessages) {
        for (const message of messages) cluster.appendMessage(topic, (message.partition as number | undefined) ?? 0, message);
      }
      cluster.produced.push({ acks, topicMessages, producer: id });
    },
  };
}

interface ConsumerConfig {
  groupId: string;
  retry?: { restartOnFailure?(err: Error): Promise<boolean> };
}

type Listener = (event: { payload: Record<string, unknown> }) => void;

interface RunConfig {
  eachBatch?(payload: unknown): Promise<void>;
  eachMessage?(payload: { topic: string; partition: number; message: KafkaMessage }): Promise<void>;
}

let membersCreated = 0;

const REBALANCE = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

function fakeConsumer(cluster: FakeCluster, config: ConsumerConfig) {
  const listeners = new Map<string, Listener[]>();
  const emit = (event: string, payload: Record<string, unknown>) => (listeners.get(event) ?? []).forEach((listener) => listener({ payload }));
  let topics: string[] = [];
  let fromBeginning = false;
  let running = false;
  let loop: Promise<void> | undefined;
  const positions = new Map<string, number>();
  const memberId = `${config.groupId}-member-${++membersCreated}`;
  const settings: FakeCluster['consumerSettings'][number] = { config: config as unknown as Record<string, unknown> };
  cluster.consumerSettings.push(settings);
  /** Partitions seeked while their batch was in hand: that batch is stale. */
  const seeked = new Set<string>();
  /** Partitions not fetched until resumed (kafkajs's `pause`/`resume`). */
  const paused = new Set<string>();
  let seenRebalances = cluster.groupEpoch(config.groupId);
  const changed = () => cluster.groupEpoch(config.groupId) !== seenRebalances;

  const key = (topic: string, partition: number) => `${topic}/${partition}`;

  function join(): void {
    positions.clear();
    const memberAssignment: Record<string, number[]> = {};
    for (const topic of topics) {
      const count = cluster.topics.get(topic)?.partitions.length ?? 0;
      memberAssignment[topic] = cluster.joinGroup(config.groupId, memberId, count);
      for (const partition of memberAssignment[topic]) {
        const committed = cluster.committedOffset(config.groupId, topic, partition);
        const part = cluster.partition(topic, partition);
        positions.set(key(topic, partition), committed === undefined ? (fromBeginning ? part.low : part.low + part.messages.length) : Number(committed));
      }
    }
    seenRebalances = cluster.groupEpoch(config.groupId);
    cluster.calls.push('consumer.join');
    emit('consumer.group_join', { memberAssignment, groupId: config.groupId, memberId });
    // kafkajs reports the generation only with heartbeats; the fake's first one comes with the join.
    emit('consumer.heartbeat', { groupId: config.groupId, memberId, groupGenerationId: seenRebalances });
  }

  async function fetchOnce(run: RunConfig): Promise<boolean> {
    let fetched = false;
    for (const [where, position] of [...positions]) {
      if (paused.has(where)) continue;
      const [topic, partitionText] = where.split('/');
      const partition = Number(partitionText);
      cluster.call('consumer.fetch');
      const part = cluster.partition(topic, partition);
      const messages = part.messages.slice(Math.max(0, position - part.low));
      if (messages.length === 0) continue;
      fetched = true;
      seeked.delete(where);
      let resolved: number | undefined;
      if (run.eachMessage) {
        for (const message of messages) {
          if (!running || seeked.has(where)) break;
          await run.eachMessage({ topic, partition, message });
          resolved = Number(message.offset);
        }
      } else {
        await run.eachBatch!({
          batch: { topic, partition, messages, highWatermark: String(cluster.end(topic, partition)) },
          resolveOffset: (offset: string) => void (resolved = Number(offset)),
          heartbeat: async () => {
            cluster.call('consumer.heartbeat');
            // As the coordinator answers a member's heartbeat once the group is rebalancing.
            if (changed()) throw protocolError('REBALANCE_IN_PROGRESS', true);
          },
          isRunning: () => running,
          isStale: () => seeked.has(where) || changed(),
        });
      }
      if (!seeked.has(where) && resolved !== undefined) positions.set(where, resolved + 1);
      if (!running || changed()) return fetched;
    }
    return fetched;
  }

  async function runLoop(run: RunConfig): Promise<void> {
    join();
    while (running) {
      try {
        if (changed()) join();
        if (!(await fetchOnce(run))) await sleep(2);
      } catch (err) {
        if (!running) return;
        const type = (err as { type?: string }).type;
        if (type !== undefined && REBALANCE.has(type)) {
          join();
          continue;
        }
        const restart = (await config.retry?.restartOnFailure?.(err as Error)) ?? false;
        emit('consumer.crash', { error: err, groupId: config.groupId, restart });
        if (!restart) {
          running = false;
          cluster.leaveGroup(config.groupId, memberId);
          return;
        }
        join();
      }
    }
  }

  return {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join', HEARTBEAT: 'consumer.heartbeat' },
    on(event: string, listener: Listener) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return () => undefined;
    },
    async connect() {
      cluster.call('consumer.connect');
    },
    async subscribe(subscription: { topics?: string[]; topic?: string; fromBeginning?: boolean }) {
      cluster.call('consumer.subscribe');
      settings.subscription = subscription;
      topics = subscription.topics ?? [subscription.topic!];
      fromBeginning = subscription.fromBeginning ?? false;
    },
    async run(run: RunConfig) {
      cluster.call('consumer.run');
      settings.run = run as unknown as Record<string, unknown>;
      running = true;
      loop = runLoop(run);
    },
    seek({ topic, partition, offset }: { topic: string; partition: number; offset: string }) {
      cluster.calls.push(`consumer.seek ${topic}/${partition}@${offset}`);
      positions.set(key(topic, partition), Number(offset));
      seeked.add(key(topic, partition));
    },
    pause(held: Array<{ topic: string; partitions: number[] }>) {
      cluster.call('consumer.pause');
      for (const { topic, partitions } of held) for (const partition of partitions) paused.add(key(topic, partition));
    },
    resume(held: Array<{ topic: string; partitions: number[] }>) {
      cluster.call('consumer.resume');
      for (const { topic, partitions } of held) for (const partition of partitions) paused.delete(key(topic, partition));
    },
    async commitOffsets(offsets: Array<{ topic: string; partition: number; offset: string }>) {
      cluster.call('consumer.commitOffsets');
      // As the coordinator refuses a member of an older generation (a zombie, or one that has not re-joined yet).
      if (changed()) throw protocolError('ILLEGAL_GENERATION', true, 'The provided generation id is not the current generation');
      for (const { topic, partition, offset } of offsets) cluster.commit(config.groupId, topic, partition, offset);
    },
    async disconnect() {
      cluster.calls.push('consumer.disconnect');
      running = false;
      await loop;
      cluster.leaveGroup(config.groupId, memberId);
    },
  };
}

/** The kafkajs module with its client replaced by the fake; the rest (enums, types) is the real one. */
export function fakeKafkaJs(): Record<string, unknown> {
  const actual = jest.requireActual<Record<string, unknown>>('kafkajs');
  class Kafka {
    constructor(config: Record<string, unknown>) {
      fakeCluster.clients.push(config);
    }
    admin() {
      return fakeAdmin(fakeCluster);
    }
    producer(options: Record<string, unknown>) {
      fakeCluster.calls.push(`producer ${JSON.stringify(options)}`);
      return fakeProducer(fakeCluster, options.transactionalId as string | undefined);
    }
    consumer(config: ConsumerConfig) {
      return fakeConsumer(fakeCluster, config);
    }
  }
  return { ...actual, Kafka };
}
