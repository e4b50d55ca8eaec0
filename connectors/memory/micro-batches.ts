import { Observable } from 'rxjs';
import { nextOffset, type DecodedRecord, type MicroBatch, type RecordPosition } from '../types';

/** Receives what could not be decoded, with why and where; the record is then skipped. */
export type DeadLetterHandler = (bytes: Buffer, error: unknown, position: RecordPosition) => void | Promise<void>;

/** The default: a bad record ends the stream with its error rather than vanishing. */
export const failOnDeadLetter: DeadLetterHandler = (_bytes, error) => {
  throw error;
};

/** One record's raw form, before decoding. */
export interface PendingRecord<I> {
  offset: string;
  input: I;
}

/** One partition of an offline source: raw records in offset order, and how to decode them. */
export interface PartitionFeed<I, T> {
  topic: string;
  partition: number;
  inputs: AsyncIterable<PendingRecord<I>>;
  /** Throws (usually a `DecodeError`) when the input is bad; the input is then dead-lettered. */
  decode(input: I, position: RecordPosition): T;
  /** The bytes a dead letter keeps of a bad input; without it a decode failure ends the stream. */
  bytesOf?(input: I): Buffer;
  /** One past the partition's last offset, when known up front; gives `lag`. */
  endOffset?: bigint;
}

async function take<I>(inputs: AsyncIterator<PendingRecord<I>>, count: number): Promise<PendingRecord<I>[]> {
  const taken: PendingRecord<I>[] = [];
  while (taken.length < count) {
    const next = await inputs.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

/**
 * Micro-batches over offline partitions with the Kafka source's delivery contract: chunks of at most
 * `maxRecords` raw records, partitions taken in turn, one batch outstanding at a time. Bad records of a chunk
 * go to `onDeadLetter` before the chunk is emitted with the good ones and offsets covering all of them; the
 * next chunk is not read until `ack()` is called. `lag` is NaN when the partition's end is not known.
 * Cold: every subscription reads from the start.
 */
export function microBatches<I, T>(
  feeds: () => readonly PartitionFeed<I, T>[],
  maxRecords: number,
  onDeadLetter: DeadLetterHandler,
): Observable<MicroBatch<T>> {
  return new Observable<MicroBatch<T>>((subscriber) => {
    let releaseWaiting: (() => void) | undefined;

    async function deliver(feed: PartitionFeed<I, T>, chunk: PendingRecord<I>[]): Promise<void> {
      const { topic, partition } = feed;
      const records: DecodedRecord<T>[] = [];
      const timestamp = Date.now();
      for (const { offset, input } of chunk) {
        const position = { topic, partition, offset };
        let value: T;
        try {
          value = feed.decode(input, position);
        } catch (error) {
          if (feed.bytesOf === undefined) throw error;
          await onDeadLetter(feed.bytesOf(input), error, position);
          continue;
        }
        const raw = feed.bytesOf === undefined ? undefined : { key: null, value: feed.bytesOf(input), headers: {} };
        records.push({ topic, partition, offset, key: null, value, timestamp, headers: {}, ...(raw ? { raw } : {}) });
      }
      if (subscriber.closed) return;
      const lastOffset = chunk[chunk.length - 1].offset;
      const next = nextOffset(lastOffset);
      const lag = feed.endOffset === undefined ? Number.NaN : Number(feed.endOffset - BigInt(next));
      await new Promise<void>((release) => {
        releaseWaiting = release;
        subscriber.next({
          topic,
          partition,
          records,
          deadLettered: chunk.length - records.length,
          firstOffset: chunk[0].offset,
          lastOffset,
          lag,
          nextOffset: next,
          ack() {
            release();
            return Promise.resolve();
          },
        });
      });
    }

    async function pump(): Promise<void> {
      const open = feeds().map((feed) => ({ feed, inputs: feed.inputs[Symbol.asyncIterator]() }));
      try {
        for (let i = 0; open.length > 0 && !subscriber.closed; i = i < open.length ? i : 0) {
          const chunk = await take(open[i].inputs, maxRecords);
          if (chunk.length === 0) {
            open.splice(i, 1);
          } else {
            await deliver(open[i].feed, chunk);
            i++;
          }
        }
      } finally {
        // Closes files whose reading stopped early.
        await Promise.all(open.map(({ inputs }) => inputs.return?.()));
      }
    }

    pump().then(
      () => subscriber.complete(),
      (err: unknown) => subscriber.error(err),
    );
    return () => releaseWaiting?.();
  });
}
