import { randomUUID } from 'node:crypto';
import { Observable } from 'rxjs';
import { StreamlearnError } from '../../src/errors';
import type { Headers, RecordPosition } from '../types';
import { toHeaders } from './decode-messages';
import { createKafkaClient } from './client';
import { connectionOf, type KafkaConnection } from './connection';
import { brokerFailure, isKafkaRetriable, restartPolicy } from './kafka-errors';
import { retry } from '../../src/retry';
import { requireTopics } from './topics';

/** A record as stored: key, raw value (null for a tombstone), no decoding. */
export interface RawRecord extends RecordPosition {
  key: string | null;
  value: Buffer | null;
  timestamp: number;
  headers: Headers;
}

export type TopicReaderEvent = { type: 'record'; record: RawRecord } | { type: 'caught-up' };

export interface TopicReaderConfig extends KafkaConnection {
  topic: string;
  /** Keep reading after catching up; otherwise complete once every partition's end (at start) is reached. */
  follow?: boolean;
  maxWaitMs?: number;
  /**
   * Default 'beginning'. 'end': only records written after the call (offsets fixed when the reader starts,
   * applied on joining, before the first fetch), for a follower of a transient topic; caught up at once.
   */
  from?: 'beginning' | 'end';
}

/**
 * Reads a whole topic from its first offset, as one group-less reader would: model topics are read by
 * many processes at once, each of which needs every record, so each read uses a throwaway consumer group
 * that commits nothing and is deleted afterwards. Emits `caught-up` once the end offsets seen at start
 * are reached, then (with `follow`) keeps emitting new records.
 */
export function readTopic(config: TopicReaderConfig): Observable<TopicReaderEvent> {
  const { topic, follow = false, maxWaitMs = 100, from = 'beginning' } = config;
  return new Observable<TopicReaderEvent>((subscriber) => {
    const kafka = createKafkaClient({ ...connectionOf(config), clientId: 'streamlearn-topic-reader' });
    const groupId = `streamlearn-reader-${randomUUID()}`;
    const restarts = restartPolicy();
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: maxWaitMs,
      allowAutoTopicCreation: false,
      retry: { restartOnFailure: restarts.restartOnFailure },
    });
    consumer.on(consumer.events.GROUP_JOIN, restarts.joined);
    const admin = kafka.admin();
    let closed = false;
    const fail = (err: unknown) => {
      if (!closed) subscriber.error(err instanceof StreamlearnError ? err : brokerFailure(`reading topic "${topic}"`, err));
    };
    consumer.on(consumer.events.CRASH, ({ payload }) => payload.restart || fail(payload.error));

    const started = (async () => {
      await admin.connect();
      await requireTopics(admin, [topic], 'it is created by whoever writes to it first (a model topic by its trainer, `streamlearn run`)');
      const ends = new Map<number, bigint>();
      // A topic created a moment ago may not have a leader everywhere yet (NOT_LEADER_OR_FOLLOWER).
      const offsets = await retry(() => admin.fetchTopicOffsets(topic), { shouldRetry: isKafkaRetriable });
      for (const { partition, high, low } of offsets) if (BigInt(high) > BigInt(low)) ends.set(partition, BigInt(high));
      if (from === 'end') {
        // Partitions missing here (empty at start) are read from their beginning: nothing was written before the call.
        const seeks = [...ends].map(([partition, end]) => ({ topic, partition, offset: end.toString() }));
        consumer.on(consumer.events.GROUP_JOIN, () => seeks.forEach((seek) => consumer.seek(seek)));
        ends.clear();
      }
      const caughtUp = () => {
        subscriber.next({ type: 'caught-up' });
        if (!follow) subscriber.complete();
      };
      /** Records (or markers) up to `offset` of the partition have been read. */
      const passed = (partition: number, offset: string) => {
        const end = ends.get(partition);
        if (end !== undefined && BigInt(offset) + 1n >= end) {
          ends.delete(partition);
          if (ends.size === 0) caughtUp();
        }
      };
      if (ends.size === 0) caughtUp();
      if (closed || (ends.size === 0 && !follow)) return;
      // A transactional writer (the mixer of a shared model, docs/scale-out.md) leaves a commit marker at the
      // end: no record reaches the end offset, but kafkajs still reports the batch that held the marker.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => passed(payload.partition, payload.lastOffset));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          if (closed) return;
          subscriber.next({
            type: 'record',
            record: {
              topic,
              partition,
              offset: message.offset,
              key: message.key?.toString() ?? null,
              value: message.value,
              timestamp: Number(message.timestamp),
              headers: toHeaders(message.headers),
            },
          });
          passed(partition, message.offset);
        },
      });
    })().catch(fail);

    return () => {
      closed = true;
      const closing = (async () => {
        await started;
        await consumer.disconnect().catch(() => undefined);
        await admin.deleteGroups([groupId]).catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
      })();
      closingReaders.add(closing);
      void closing.finally(() => closingReaders.delete(closing));
    };
  });
}

/** Readers still disconnecting after their subscriber left. */
const closingReaders = new Set<Promise<void>>();

/** Resolves once every unsubscribed reader has left its throwaway group and disconnected. */
export async function readersClosed(): Promise<void> {
  while (closingReaders.size > 0) await Promise.all([...closingReaders]);
}
