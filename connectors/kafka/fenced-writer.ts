import type { Message, Producer, Transaction } from 'kafkajs';
import { FencedError } from '../../src/errors';
import { createKafkaClient } from './client';
import { connectionOf, type KafkaConnection } from './connection';
import { brokerFailure, causeChain } from './kafka-errors';
import type { OutgoingMessage } from './sink';

const FENCED_TYPES = new Set(['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED']);

export function isFenced(err: unknown): boolean {
  if (err instanceof FencedError) return true;
  for (const link of causeChain(err)) if (link.type !== undefined && FENCED_TYPES.has(link.type)) return true;
  return false;
}

export interface FencedWriterConfig extends KafkaConnection {
  /** One id per role (e.g. a shared model's mixer): a writer that opens it fences every earlier holder. */
  transactionalId: string;
  clientId?: string;
}

export interface FencedWriter {
  /** Sends every message in one transaction: all are visible to read_committed readers, or none. */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A transactional producer used as a lease: `openFencedWriter` registers its transactional id with the
 * broker's transaction coordinator (InitProducerId), which bumps the id's epoch, aborts whatever an earlier
 * holder had in flight and makes that holder's every later send fail with PRODUCER_FENCED. A zombie (a
 * process paused past its session timeout, resumed) therefore cannot publish once its successor opened
 * the writer. Readers must read committed records only, which kafkajs consumers do by default.
 */
export async function openFencedWriter(config: FencedWriterConfig): Promise<FencedWriter> {
  const kafka = createKafkaClient({ ...connectionOf(config), clientId: config.clientId ?? `${config.transactionalId}-writer` });
  const producer: Producer = kafka.producer({
    transactionalId: config.transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 5 },
  });
  await producer.connect();
  let fenced: unknown;
  const guard = async <T>(doing: string, action: () => Promise<T>): Promise<T> => {
    if (fenced !== undefined) throw new FencedError(`${config.transactionalId}: ${doing} refused, this writer was fenced by a newer one`, { cause: fenced });
    try {
      return await action();
    } catch (err) {
      if (!isFenced(err)) throw brokerFailure(`${config.transactionalId}: ${doing}`, err);
      fenced = err;
      throw new FencedError(`${config.transactionalId}: ${doing} refused, this writer was fenced by a newer one`, { cause: err });
    }
  };
  // An empty transaction: InitProducerId happens now, so the fence is up before this writer is used.
  await guard('opening', async () => (await producer.transaction()).commit());
  return {
    send: (topic, messages) =>
      guard(`sending to ${topic}`, async () => {
        const transaction: Transaction = await producer.transaction();
        try {
          await transaction.send({ topic, messages: messages as Message[] });
          await transaction.commit();
        } catch (err) {
          await transaction.abort().catch(() => undefined);
          throw err;
        }
      }),
    close: () => producer.disconnect().catch(() => undefined),
  };
}
