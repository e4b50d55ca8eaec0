import type { Subscriber } from 'rxjs';
import { StreamlearnError } from '../../src/errors';
import type { RetryOptions } from '../../src/retry';
import type { DeadLetter } from '../dead-letter';
import type { Codec, MicroBatch, RecordPosition } from '../types';
import { createBatchHandler } from './batch-handler';
import { createKafkaClient } from './client';
import { connectionOf, type KafkaConnection } from './connection';
import { brokerFailure, restartPolicy } from './kafka-errors';
import { resolveStartOffsets, type StartFrom } from './start-offsets';
import { requireTopics } from './topics';

export interface ConsumerSessionConfig<T> extends KafkaConnection {
  clientId: string;
  groupId: string;
  topics: string[];
  codec: Codec<T>;
  /** See KafkaSourceConfig.readColumns. */
  readColumns?: boolean;
  deadLetter: DeadLetter;
  startFrom: StartFrom;
  resumeFrom?(): RecordPosition[];
  onAssigned?: AssignmentListener;
  /** Group membership, for model mixing (src/topology/mixing); see KafkaSourceConfig. */
  membership?: GroupMembershipListener;
  deadLetterRetry: RetryOptions;
  maxRecords: number;
  commitOnAck: boolean;
  maxWaitMs: number;
  minBytes: number;
  maxBytesPerPartition: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  subscriber: Subscriber<MicroBatch<T>>;
}

/** One partition of a member's assignment. */
export interface AssignedPartition {
  topic: string;
  partition: number;
}

/**
 * Told of the member's whole assignment at each join of the group, synchronously, before anything is
 * fetched for it, with the member id it joined as (a new one after the group expelled it). A promise it
 * returns holds the assignment paused until it resolves; the positions it resolves with are then sought
 * (a trainer restoring the models of partitions it has just been given).
 */
export type AssignmentListener = (assignment: AssignedPartition[], memberId: string) => Promise<RecordPosition[]> | undefined;

/** Told of each group join and of the generation the broker confirmed (kafkajs reports it only with heartbeats). */
export interface GroupMembershipListener {
  /** A (re)join, before the first fetch of the new assignment: partitions by topic. */
  joined(join: { memberId: string; assignment: Record<string, number[]> }): void;
  /** A heartbeat the coordinator accepted: this member belongs to `generation`. */
  heartbeat(beat: { memberId: string; generation: number }): void;
}

export interface ConsumerSession {
  isClosed(): boolean;
  /** Releases a batch waiting for its ack (uncommitted), leaves the group and disconnects. */
  close(): Promise<void>;
  /** Completes the subscriber, then closes. */
  complete(): Promise<void>;
  /** Commits each position's offset as the next one to read, as a member of the group. */
  commit(positions: RecordPosition[]): Promise<void>;
}

/** How long a consumer keeps restarting through a broker outage before its stream ends with the error. */
const BROKER_OUTAGE_PATIENCE_MS = 300_000;

const partitionKey = ({ topic, partition }: { topic: string; partition: number }) => `${topic}/${partition}`;

/** One subscription's kafkajs consumer, from joining the group to leaving it. */
export function startConsumerSession<T>(config: ConsumerSessionConfig<T>): ConsumerSession {
  const { subscriber, groupId, topics } = config;
  const kafka = createKafkaClient({ ...connectionOf(config), clientId: config.clientId });
  // A broker restart (log recovery included) took up to a minute under load in the fault suite.
  const restarts = restartPolicy(5, BROKER_OUTAGE_PATIENCE_MS);
  const consumer = kafka.consumer({
    groupId,
    sessionTimeout: config.sessionTimeoutMs,
    heartbeatInterval: config.heartbeatIntervalMs,
    maxWaitTimeInMs: config.maxWaitMs,
    minBytes: config.minBytes,
    maxBytesPerPartition: config.maxBytesPerPartition,
    allowAutoTopicCreation: false,
    // Transient failures restart the consumer (uncommitted batches are fetched again); others end the stream.
    retry: { restartOnFailure: restarts.restartOnFailure },
  });
  /**
   * Explicit start offsets not yet superseded by a commit. kafkajs forgets a seek when the group rebalances
   * (its offset manager is rebuilt from committed offsets), so they are applied again on every join.
   */
  const pendingSeeks = new Map<string, RecordPosition>();
  let closed = false;
  /** Joins so far: a restore finishing after a newer join must not seek or resume on its behalf. */
  let joins = 0;
  let closing: Promise<void> | undefined;
  let releaseWaiting!: () => void;
  const closedSignal = new Promise<void>((resolve) => {
    releaseWaiting = resolve;
  });

  const what = `the Kafka source of group "${groupId}" on ${topics.join(', ')}`;
  function fail(err: unknown): void {
    if (closed) return;
    subscriber.error(err instanceof StreamlearnError ? err : brokerFailure(what, err));
  }

  consumer.on(consumer.events.CRASH, ({ payload }) => payload.restart || fail(brokerFailure(`${what} crashed`, payload.error)));
  // Listeners run synchronously when kafkajs announces the join, before its first fetch for the new assignment.
  consumer.on(consumer.events.HEARTBEAT, ({ payload }) => config.membership?.heartbeat({ memberId: payload.memberId, generation: payload.groupGenerationId }));
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    restarts.joined();
    config.membership?.joined({ memberId: payload.memberId, assignment: payload.memberAssignment });
    const seeks = new Map(pendingSeeks);
    // A consumer reset (broker failure, rebalance) resumes from committed offsets; the caller may know better.
    for (const position of config.resumeFrom?.() ?? []) seeks.set(partitionKey(position), position);
    for (const position of seeks.values()) {
      if (payload.memberAssignment[position.topic]?.includes(position.partition)) consumer.seek(position);
    }
    holdWhileRestoring(payload.memberAssignment, payload.memberId, ++joins);
  });

  /** Pauses the assignment while the listener restores it, then seeks where it says and resumes. */
  function holdWhileRestoring(memberAssignment: Record<string, number[]>, memberId: string, join: number): void {
    if (!config.onAssigned) return;
    const assignment = Object.entries(memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition })));
    const restoring = config.onAssigned(assignment, memberId);
    const held = Object.entries(memberAssignment).map(([topic, partitions]) => ({ topic, partitions }));
    // An earlier join's restore, now superseded, may have left partitions of this assignment paused.
    if (!restoring) return consumer.resume(held);
    consumer.pause(held);
    restoring.then((positions) => {
      if (closed || join !== joins) return;
      for (const position of positions) if (memberAssignment[position.topic]?.includes(position.partition)) consumer.seek(position);
      consumer.resume(held);
    }, fail);
  }

  async function commit(positions: RecordPosition[]): Promise<void> {
    await consumer.commitOffsets(positions);
    for (const position of positions) pendingSeeks.delete(partitionKey(position));
  }

  const eachBatch = createBatchHandler<T>({
    codec: config.codec,
    readColumns: config.readColumns ?? false,
    deadLetter: config.deadLetter,
    deadLetterRetry: config.deadLetterRetry,
    maxRecords: config.maxRecords,
    commitOnAck: config.commitOnAck,
    heartbeatEveryMs: Math.max(100, Math.floor(config.heartbeatIntervalMs / 2)),
    emit: (batch) => {
      if (!closed) subscriber.next(batch);
    },
    closed: closedSignal,
    isClosed: () => closed,
    commit: (position) => commit([position]),
    fail,
  });

  const started = (async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await requireTopics(admin, topics);
      for (const position of await resolveStartOffsets(admin, topics, config.startFrom)) pendingSeeks.set(partitionKey(position), position);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    if (closed) return;
    await consumer.connect();
    if (closed) return;
    await consumer.subscribe({ topics, fromBeginning: true });
    if (closed) return;
    await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
  })().catch((err: unknown) => fail(err instanceof StreamlearnError ? err : brokerFailure(`starting ${what}`, err)));

  function close(): Promise<void> {
    closing ??= (async () => {
      closed = true;
      releaseWaiting();
      await started;
      await consumer.disconnect().catch(() => undefined);
    })();
    return closing;
  }

  return {
    isClosed: () => closed,
    close,
    commit,
    complete() {
      if (!closed) subscriber.complete();
      return close();
    },
  };
}
