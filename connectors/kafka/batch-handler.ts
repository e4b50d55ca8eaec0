import type { Batch, EachBatchPayload } from 'kafkajs';
import { retry, type RetryOptions } from '../../src/retry';
import type { DeadLetter } from '../dead-letter';
import { nextOffset, type Codec, type DecodedRecord, type MicroBatch, type RecordPosition } from '../types';
import { decodeMessages, type UndecodableRecord } from './decode-messages';
import { rebalanceCause } from './kafka-errors';
import { releaseDecoded } from './release-fetch';

export interface BatchHandlerConfig<T> {
  codec: Codec<T>;
  /** See KafkaSourceConfig.readColumns. Default false. */
  readColumns?: boolean;
  deadLetter: DeadLetter;
  deadLetterRetry: RetryOptions;
  maxRecords: number;
  /** Commit on ack; otherwise ack only releases the partition and commits are the caller's (`KafkaSource.commit`). */
  commitOnAck: boolean;
  /** How often to heartbeat while a batch waits for its ack; kafkajs throttles to its heartbeatInterval. */
  heartbeatEveryMs: number;
  emit(batch: MicroBatch<T>): void;
  /** Resolves when the source is stopped or unsubscribed; a batch still waiting then is not committed. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Commits `offset` (the next one to read) for the partition. */
  commit(position: RecordPosition): Promise<void>;
  /** Ends the stream with this error. */
  fail(err: unknown): void;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Subscribes `onClose` to the source's close (at once if it is closed); returns how to unsubscribe. */
type CloseListener = (onClose: () => void) => () => void;

/**
 * The source's `closed`, listened to once for every wait. Each wait used to race `closed.then(...)`: a promise
 * pending for the source's whole life keeps every reaction added to it, and through it the wait's frame and
 * timer, one per chunk and heartbeat (the main job's live heap grew 22 → 33 MB over 10 minutes, and V8 sized
 * its old space ~3.5× that: docs/performance.md, "Stop 24").
 */
function closeListener(closed: Promise<void>): CloseListener {
  const listeners = new Set<() => void>();
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
    for (const listener of listeners) listener();
    listeners.clear();
  });
  return (onClose) => {
    if (isClosed) onClose();
    else listeners.add(onClose);
    return () => void listeners.delete(onClose);
  };
}

/** Waits for the ack or the close, heartbeating meanwhile so a long-running batch keeps the member alive (kafkajs#130). */
async function waitForAck(acked: Promise<void>, onClose: CloseListener, heartbeat: () => Promise<void>, everyMs: number): Promise<'acked' | 'closed'> {
  for (;;) {
    let timer: NodeJS.Timeout | undefined;
    let leave: () => void = () => undefined;
    const tick = new Promise<'tick'>((resolve) => {
      timer = setTimeout(() => resolve('tick'), everyMs);
    });
    const closing = new Promise<'closed'>((resolve) => (leave = onClose(() => resolve('closed'))));
    let outcome: 'acked' | 'closed' | 'tick';
    try {
      outcome = await Promise.race([acked.then(() => 'acked' as const), closing, tick]);
    } finally {
      clearTimeout(timer);
      leave();
    }
    if (outcome !== 'tick') return outcome;
    // A heartbeat lost to a broker outage is not the batch's failure: kafkajs restarts the consumer when its
    // next fetch fails, and the batch's records are then re-delivered. Losing the partitions is.
    await heartbeat().catch((err: unknown) => {
      if (rebalanceCause(err)) throw err;
    });
  }
}

/** What settling a chunk needs of its messages, once decoded: its offsets and size. */
interface ChunkSpan {
  firstOffset: string;
  lastOffset: string;
  count: number;
}

/**
 * Decodes messages `[start, start + maxRecords)` of a fetch, then lets kafkajs's objects for them go
 * (`releaseDecoded`). Not inline in the async handler: its frame would keep the chunk's messages across
 * the awaits until the ack.
 */
function decodeChunk<T>(batch: Batch, start: number, maxRecords: number, codec: Codec<T>, readColumns: boolean) {
  const chunk = batch.messages.slice(start, start + maxRecords);
  const decoded = decodeMessages(chunk, batch.topic, batch.partition, codec, readColumns);
  const span: ChunkSpan = { firstOffset: chunk[0].offset, lastOffset: chunk[chunk.length - 1].offset, count: chunk.length };
  releaseDecoded(batch, start, start + chunk.length);
  return { ...decoded, span };
}

function lag(highWatermark: string, next: string): number {
  return Math.max(0, Number(BigInt(highWatermark) - BigInt(next)));
}

/**
 * The kafkajs `eachBatch` callback. A fetched batch is cut into chunks of at most `maxRecords`; for each:
 * undecodable records are dead-lettered (and acknowledged by the broker) first, then the chunk is emitted
 * with only the good records but offsets covering all of them, and the callback waits for `ack()` before
 * committing `lastOffset + 1` (unless commits are left to the caller) and moving on. Nothing else is
 * fetched meanwhile (one partition at a time): that is the backpressure. Offsets are resolved only after
 * an ack, so chunks left unprocessed by a stop or a seek are fetched again rather than skipped.
 */
export function createBatchHandler<T>(config: BatchHandlerConfig<T>): (payload: EachBatchPayload) => Promise<void> {
  const { codec, deadLetter, deadLetterRetry, maxRecords, heartbeatEveryMs } = config;
  /**
   * Per partition, the offset after the last chunk whose dead letters are written. A consumer reset (a
   * rebalance, a broker failure) re-delivers an unacknowledged chunk; its letters are durable already, so
   * they are not written again. Only a new process (a restart) writes them again: see docs/guarantees.md.
   */
  const letteredUpTo = new Map<string, bigint>();
  const onClose = closeListener(config.closed);

  async function deadLetterAll(chunk: ChunkSpan, topic: string, partition: number, undecodable: UndecodableRecord[]): Promise<void> {
    const key = `${topic}/${partition}`;
    const done = letteredUpTo.get(key) ?? -1n;
    const fresh = undecodable.filter(({ position }) => BigInt(position.offset) > done);
    await Promise.all(fresh.map(({ raw, error, position }) => retry(() => deadLetter.write({ raw, error, position }), deadLetterRetry)));
    const last = BigInt(chunk.lastOffset);
    if (last > done) letteredUpTo.set(key, last);
  }

  /** Emits one chunk and settles it; true when it was acknowledged (and committed, with `commitOnAck`). */
  async function deliver(payload: EachBatchPayload, chunk: ChunkSpan, records: DecodedRecord<T>[], live: () => boolean): Promise<boolean> {
    const { topic, partition, highWatermark } = payload.batch;
    const { lastOffset } = chunk;
    const next = nextOffset(lastOffset);
    const ackRequested = deferred<void>();
    const settled = deferred<void>();
    // The rejection reaches whoever awaits ack(); nobody may, and that must not crash the process.
    settled.promise.catch(() => undefined);
    config.emit({
      topic,
      partition,
      records,
      deadLettered: chunk.count - records.length,
      firstOffset: chunk.firstOffset,
      lastOffset,
      lag: lag(highWatermark, next),
      nextOffset: next,
      ack() {
        ackRequested.resolve();
        return settled.promise;
      },
    });
    try {
      const outcome = await waitForAck(ackRequested.promise, onClose, payload.heartbeat, heartbeatEveryMs);
      if (outcome === 'closed' || !live()) {
        settled.resolve();
        return false;
      }
      if (config.commitOnAck) await config.commit({ topic, partition, offset: next });
      payload.resolveOffset(lastOffset);
      settled.resolve();
      return true;
    } catch (err) {
      // Revoked by a rebalance: another member (or this one, after re-joining) reads the chunk again.
      if (rebalanceCause(err)) settled.resolve();
      else settled.reject(err);
      throw err;
    }
  }

  return async (payload) => {
    const { batch } = payload;
    const live = () => !config.isClosed() && payload.isRunning() && !payload.isStale();
    try {
      for (let start = 0; start < batch.messages.length; start += maxRecords) {
        if (!live()) return;
        const { records, undecodable, span } = decodeChunk(batch, start, maxRecords, codec, config.readColumns ?? false);
        await deadLetterAll(span, batch.topic, batch.partition, undecodable);
        if (!live() || !(await deliver(payload, span, records, live))) return;
        // A fetch holds thousands of records; without a macrotask turn between chunks, acks, commits and
        // subscribers in this process would wait for the whole fetch (event-loop delay p99 260 ms → 17 ms).
        await new Promise(setImmediate);
      }
    } catch (err) {
      const rebalance = rebalanceCause(err);
      if (rebalance) throw rebalance;
      config.fail(err);
    }
  };
}
