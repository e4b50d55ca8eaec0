import { randomUUID } from 'node:crypto';
import { createKafkaClient } from '../../connectors/kafka/client';
import { startSpan, type Measurement, type Span } from './measure';

export interface BareConsumeRun {
  brokers: string[];
  topic: string;
  /** Messages to read before stopping. */
  messages: number;
  /** `JSON.parse` each value; otherwise only count the messages. */
  parseJson: boolean;
}

/**
 * The kafkajs layer under the source, alone: a plain kafkajs consumer (built by `createKafkaClient`, fresh group, from the
 * earliest offset, the source's fetch sizes, no commits) whose `eachBatch` only counts, or `JSON.parse`s,
 * each value. Timed like `consumeWithSource`: from the first batch on.
 */
export async function consumeWithKafkaJs({ brokers, topic, messages, parseJson }: BareConsumeRun): Promise<Measurement> {
  const consumer = createKafkaClient({ brokers, clientId: 'bench-bare-kafkajs' }).consumer({
    groupId: `bench-bare-${randomUUID()}`,
    maxWaitTimeInMs: 500,
    maxBytesPerPartition: 1024 * 1024,
    allowAutoTopicCreation: false,
    retry: { restartOnFailure: async () => false },
  });
  const subscribedAt = process.hrtime.bigint();
  let stop: (() => Span) | undefined;
  let startupSeconds = 0;
  let first = 0;
  let seen = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const span = await new Promise<Span>((resolve, reject) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            if (stop !== undefined && seen >= messages) return;
            if (parseJson) {
              // A call that may throw is never optimised away, so the unused result still costs its parse.
              for (const message of batch.messages) JSON.parse(message.value!.toString('utf8'));
            }
            if (stop === undefined) {
              stop = startSpan();
              startupSeconds = Number(process.hrtime.bigint() - subscribedAt) / 1e9;
              first = batch.messages.length;
            }
            seen += batch.messages.length;
            if (seen >= messages) resolve(stop());
          },
        })
        .catch(reject);
    });
    return { records: seen - first, span, startupSeconds };
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}
