import { randomUUID } from 'node:crypto';
import { createDeadLetterWriter } from '../../connectors/dead-letter';
import { createKafkaSink } from '../../connectors/kafka/sink';
import { createKafkaSource, type KafkaSourceConfig } from '../../connectors/kafka/source';
import type { Codec } from '../../connectors/types';
import { startSpan, type Measurement, type Span } from './measure';

/** Sends of this many messages (the sink's default request size), with up to this many waiting in its queue. */
const SEND_MESSAGES = 5000;
const SENDS_IN_FLIGHT = 4;

/**
 * Produces pre-encoded values through `createKafkaSink` (defaults: idempotent, acks=all). The clock runs
 * from the first send, producer connection included, to the last acknowledgement.
 */
export async function produceWithSink(brokers: string[], topic: string, values: readonly Buffer[], recordsPerMessage: number): Promise<Measurement> {
  const sink = createKafkaSink({ brokers, clientId: 'bench-io-sink' });
  try {
    const stop = startSpan();
    const waiting: Promise<void>[] = [];
    for (let start = 0; start < values.length; start += SEND_MESSAGES) {
      waiting.push(
        sink.send(
          topic,
          values.slice(start, start + SEND_MESSAGES).map((value) => ({ value })),
        ),
      );
      if (waiting.length >= SENDS_IN_FLIGHT) await waiting.shift();
    }
    await Promise.all(waiting);
    return { records: values.length * recordsPerMessage, span: stop() };
  } finally {
    await sink.close();
  }
}

export interface SourceRun<T> {
  brokers: string[];
  topic: string;
  codec: Codec<T>;
  /** Records (rows, for Arrow) to read before stopping. */
  records: number;
  /** Handles one micro-batch's values and returns how many records they held. */
  handle(values: T[]): number;
  /** Source options beyond the defaults, e.g. `commitOnAck`. */
  options?: Partial<Pick<KafkaSourceConfig<T>, 'commitOnAck' | 'maxRecords' | 'maxBytesPerPartition'>>;
}

/**
 * Reads a topic from its start with `createKafkaSource` under a fresh consumer group, handling and acking
 * each micro-batch as it comes. The clock starts when the first batch is emitted, after the group join,
 * and counts only the records after that batch, so startup is reported apart.
 */
export async function consumeWithSource<T>({ brokers, topic, codec, records, handle, options = {} }: SourceRun<T>): Promise<Measurement> {
  const dlqSink = createKafkaSink({ brokers, clientId: 'bench-io-dlq' });
  const source = createKafkaSource<T>({
    brokers,
    clientId: 'bench-io-source',
    groupId: `bench-io-${randomUUID()}`,
    topics: [topic],
    codec,
    // The benchmark's records all decode; a dead letter would fail the run, its topic does not exist.
    deadLetter: createDeadLetterWriter({ sink: dlqSink, topic: `${topic}.dlq` }),
    startFrom: 'earliest',
    ...options,
  });
  const subscribedAt = process.hrtime.bigint();
  try {
    return await new Promise<Measurement>((resolve, reject) => {
      let stop: (() => Span) | undefined;
      let startupSeconds = 0;
      let first = 0;
      let seen = 0;
      const subscription = source.batches().subscribe({
        next(batch) {
          if (batch.deadLettered > 0) {
            reject(new Error(`${topic}: ${batch.deadLettered} records failed to decode`));
            return;
          }
          const count = handle(batch.records.map((record) => record.value));
          if (stop === undefined) {
            stop = startSpan();
            startupSeconds = Number(process.hrtime.bigint() - subscribedAt) / 1e9;
            first = count;
          }
          seen += count;
          if (seen >= records) {
            const span = stop();
            subscription.unsubscribe();
            resolve({ records: seen - first, span, startupSeconds });
            return;
          }
          void batch.ack();
        },
        error: reject,
        complete: () => reject(new Error(`${topic}: the source completed after ${seen} of ${records} records`)),
      });
    });
  } finally {
    await source.stop();
    await dlqSink.close();
  }
}
