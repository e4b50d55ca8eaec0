import { Observable } from 'rxjs';
import { ConfigError } from '../../src/errors';
import type { RetryOptions } from '../../src/retry';
import type { DeadLetter } from '../dead-letter';
import { requirePositiveInteger } from '../codecs/validate';
import type { Codec, MicroBatch, RecordPosition } from '../types';
import { commitAsAdmin } from './commit-offsets';
import { connectionOf, validateConnection, type KafkaConnection } from './connection';
import { startConsumerSession, type AssignmentListener, type ConsumerSession, type GroupMembershipListener } from './consumer-session';
import { validateStartFrom, type StartFrom } from './start-offsets';

export interface KafkaSourceConfig<T> extends KafkaConnection {
  clientId?: string;
  groupId: string;
  topics: string[];
  codec: Codec<T>;
  /** Receives every record the codec rejects, before the offsets covering it are committed. */
  deadLetter: DeadLetter;
  /** Default 'committed'. */
  startFrom?: StartFrom;
  /**
   * Positions to resume from each time the group is (re)joined, over committed offsets and `startFrom`: a
   * consumer reset by a broker failure, a rebalance or a restart otherwise rewinds to the last commit. A
   * trainer passes the offsets its in-memory model has learned, which run ahead of its commits.
   */
  resumeFrom?(): RecordPosition[];
  /** Told of each join's assignment before it is fetched; may hold it paused while it restores (see `AssignmentListener`). */
  onAssigned?: AssignmentListener;
  /** Told of every group join and every heartbeat's generation: several trainers mixing one model use it. */
  membership?: GroupMembershipListener;
  /** Most records in a micro-batch. Default 1000. */
  maxRecords?: number;
  /** Longest the broker holds a fetch open waiting for `minBytes`. Default 500. */
  maxWaitMs?: number;
  /** Bytes a fetch waits for (up to `maxWaitMs`) before returning. Default 1: return as soon as anything is there. */
  minBytes?: number;
  /** Most bytes fetched per partition per fetch. Default 1 MiB. */
  maxBytesPerPartition?: number;
  /** Default 30 000. */
  sessionTimeoutMs?: number;
  /** Default 3000; must be below `sessionTimeoutMs`. */
  heartbeatIntervalMs?: number;
  /** Retries of a failed dead-letter write. Default: src/retry.ts defaults. */
  deadLetterRetry?: RetryOptions;
  /**
   * Default true: `ack()` commits. False: `ack()` only lets the partition move on, and offsets are committed
   * by `commit()`, e.g. once a checkpoint that covers them is published.
   */
  commitOnAck?: boolean;
  /**
   * Default false. True: values the codec can read into columns (JSON's flat objects of numbers) are, and
   * their records are `ColumnRecord`s, whose fields are accessors made when read: read them by name; a
   * spread (`{ ...record }`) copies none of them. `runTopology` asks for it when no `transformBatches` sees the records.
   */
  readColumns?: boolean;
}

export interface KafkaSource<T> {
  /**
   * Joins the group on subscribe and emits micro-batches, one partition at a time. A batch is a chunk of at
   * most `maxRecords` consecutive records of one broker fetch; a fetch returns once `minBytes` are there or
   * after `maxWaitMs`. Nothing more is fetched until the batch's `ack()`, which commits `lastOffset + 1` and
   * resolves after the commit. A batch that was emitted but not acknowledged when the source stops (or the
   * subscriber unsubscribes, or a rebalance takes the partition away) is not committed and is delivered
   * again on the next start; its `ack()` then resolves without committing. Consumer crashes end the stream
   * with a `BrokerError` (its `retriable` flag says whether re-subscribing may help); the source never
   * restarts by itself. One subscriber at a time.
   */
  batches(): Observable<MicroBatch<T>>;
  /** Leaves the group and completes the stream, committing nothing more. */
  stop(): Promise<void>;
  /**
   * Commits each position's `offset` as the next one to read. While subscribed, as a member of the group;
   * after the stream ended, through the admin API, which needs the group to have no running member.
   */
  commit(positions: RecordPosition[]): Promise<void>;
}

const OWNER = 'createKafkaSource';

/** A consumer-group source of micro-batches; see `KafkaSource.batches` for the delivery contract. */
export function createKafkaSource<T>(config: KafkaSourceConfig<T>): KafkaSource<T> {
  const connection = validateConnection(OWNER, connectionOf(config));
  const { clientId = 'streamlearn-source', groupId, topics, codec, deadLetter, startFrom = 'committed', deadLetterRetry = {}, commitOnAck = true } = config;
  if (groupId.length === 0) throw new ConfigError('createKafkaSource: groupId must be non-empty');
  if (topics.length === 0 || topics.some((topic) => topic.length === 0)) throw new ConfigError('createKafkaSource: topics must list at least one topic name');
  const maxRecords = requirePositiveInteger(OWNER, 'maxRecords', config.maxRecords ?? 1000);
  const maxWaitMs = requirePositiveInteger(OWNER, 'maxWaitMs', config.maxWaitMs ?? 500);
  const minBytes = requirePositiveInteger(OWNER, 'minBytes', config.minBytes ?? 1);
  const maxBytesPerPartition = requirePositiveInteger(OWNER, 'maxBytesPerPartition', config.maxBytesPerPartition ?? 1024 * 1024);
  const sessionTimeoutMs = requirePositiveInteger(OWNER, 'sessionTimeoutMs', config.sessionTimeoutMs ?? 30_000);
  const heartbeatIntervalMs = requirePositiveInteger(OWNER, 'heartbeatIntervalMs', config.heartbeatIntervalMs ?? 3000);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new ConfigError(`createKafkaSource: heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`);
  }
  validateStartFrom(startFrom, topics);

  /** The latest session; closed ones stay so that stop() can wait for their disconnect. */
  let latest: ConsumerSession | undefined;

  return {
    batches() {
      return new Observable<MicroBatch<T>>((subscriber) => {
        if (latest && !latest.isClosed()) {
          subscriber.error(new ConfigError(`the Kafka source for group "${groupId}" already has a subscriber`));
          return undefined;
        }
        const session = startConsumerSession({
          ...connection,
          clientId,
          groupId,
          topics,
          codec,
          deadLetter,
          startFrom,
          resumeFrom: config.resumeFrom,
          onAssigned: config.onAssigned,
          membership: config.membership,
          deadLetterRetry,
          maxRecords,
          commitOnAck,
          readColumns: config.readColumns ?? false,
          maxWaitMs,
          minBytes,
          maxBytesPerPartition,
          sessionTimeoutMs,
          heartbeatIntervalMs,
          subscriber,
        });
        latest = session;
        return () => void session.close();
      });
    },
    async stop() {
      await latest?.complete();
    },
    async commit(positions) {
      if (positions.length === 0) return;
      if (latest && !latest.isClosed()) return latest.commit(positions);
      await latest?.close();
      await commitAsAdmin(connection, clientId, groupId, positions);
    },
  };
}
