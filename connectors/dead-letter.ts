import { ConfigError, StreamlearnError, errorMessage } from '../src/errors';
import type { KafkaSink } from './kafka/sink';
import type { Headers, RecordPosition } from './types';

/** Header names on every dead-lettered record; the value is the original bytes, untouched. */
export const DEAD_LETTER_HEADERS = {
  code: 'x-error-code',
  message: 'x-error-message',
  topic: 'x-source-topic',
  partition: 'x-source-partition',
  offset: 'x-source-offset',
} as const;

/** Headers stay small: a broker rejects records over `max.message.bytes`, and the message is for humans. */
const MAX_MESSAGE_CHARS = 2000;

/** Where records that cannot be processed go, with why and where they came from. */
export interface DeadLetter {
  /**
   * Resolves only once the record is durably stored. `headers` are the original record's, kept alongside
   * the `x-` headers above; `key` keeps the original key so the record lands like its neighbours did.
   */
  write(bytes: Buffer | null, error: unknown, position: RecordPosition, key?: string | null, headers?: Headers): Promise<void>;
}

export interface DeadLetterWriterConfig {
  sink: Pick<KafkaSink, 'send'>;
  topic: string;
}

/** The `x-error-code` of an error: its stable code when streamlearn raised it. */
export function errorCode(error: unknown): string {
  return error instanceof StreamlearnError ? error.code : 'UNEXPECTED';
}

/** A dead-letter topic written through a sink (whose `send` resolves on acks=all). */
export function createDeadLetterWriter({ sink, topic }: DeadLetterWriterConfig): DeadLetter {
  if (topic.length === 0) throw new ConfigError('createDeadLetterWriter: topic must be a non-empty topic name');
  return {
    write(bytes, error, position, key = null, headers = {}) {
      return sink.send(topic, [
        {
          key,
          value: bytes,
          headers: {
            ...headers,
            [DEAD_LETTER_HEADERS.code]: errorCode(error),
            [DEAD_LETTER_HEADERS.message]: errorMessage(error).slice(0, MAX_MESSAGE_CHARS),
            [DEAD_LETTER_HEADERS.topic]: position.topic,
            [DEAD_LETTER_HEADERS.partition]: String(position.partition),
            [DEAD_LETTER_HEADERS.offset]: position.offset,
          },
        },
      ]);
    },
  };
}
