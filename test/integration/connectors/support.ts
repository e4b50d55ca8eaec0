import { concatMap } from 'rxjs';
import { createKafkaClient } from '../../../connectors/kafka/client';
import type { KafkaSource } from '../../../connectors/kafka/source';
import type { Codec, MicroBatch } from '../../../connectors/types';

/** Values as they are on the wire, for looking at topics without a codec in the way. */
export const bytesCodec: Codec<Buffer> = { name: 'bytes', encode: (value) => value, decode: (bytes) => bytes };

/**
 * Subscribes, acknowledges every batch as it arrives (so the source keeps going), and stops the source once
 * `done` says so. Rejects with the stream's error, if any.
 */
export function readUntil<T>(source: KafkaSource<T>, done: (received: MicroBatch<T>[]) => boolean): Promise<MicroBatch<T>[]> {
  const received: MicroBatch<T>[] = [];
  return new Promise((resolve, reject) => {
    const subscription = source
      .batches()
      .pipe(
        concatMap(async (batch) => {
          received.push(batch);
          await batch.ack();
        }),
      )
      .subscribe({
        next: () => {
          if (done(received)) {
            subscription.unsubscribe();
            source.stop().then(() => resolve(received), reject);
          }
        },
        error: reject,
      });
  });
}

export function recordCount<T>(batches: MicroBatch<T>[]): number {
  return batches.reduce((sum, batch) => sum + batch.records.length, 0);
}

/** Last offset + 1 of every partition. */
export async function endOffsets(brokers: string[], topic: string): Promise<Map<number, string>> {
  const admin = createKafkaClient({ brokers }).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, high]));
  } finally {
    await admin.disconnect();
  }
}

/** The group's committed offset per partition ('-1' where it never committed). */
export async function committedOffsets(brokers: string[], groupId: string, topic: string): Promise<Map<number, string>> {
  const admin = createKafkaClient({ brokers }).admin();
  await admin.connect();
  try {
    const [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(partitions.map(({ partition, offset }) => [partition, offset]));
  } finally {
    await admin.disconnect();
  }
}
