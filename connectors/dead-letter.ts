import { createHash } from 'node:crypto';
import { ConfigError, DeadLetterError, StreamlearnError, errorMessage } from '../src/errors';
import { retry, type RetryOptions } from '../src/retry';
import { requirePositiveInteger } from './codecs/validate';
import { isTooLargeError } from './kafka/kafka-errors';
import type { KafkaSink, OutgoingMessage } from './kafka/sink';
import type { Codec, DecodedRecord, Headers, RawHeaders, RecordBytes, RecordPosition } from './types';

/** Header names on every dead-lettered record; the key, value and other headers are the original bytes. */
export const DEAD_LETTER_HEADERS = {
  code: 'x-error-code',
  message: 'x-error-message',
  topic: 'x-source-topic',
  partition: 'x-source-partition',
  offset: 'x-source-offset',
  /** Comma-separated indexes of the failed rows, when the message carries many rows (an Arrow record batch). */
  rows: 'x-source-rows',
  /** Present ('true') when the value was cut to fit the dead-letter topic's `max.message.bytes`. */
  truncated: 'x-truncated',
  originalSize: 'x-original-size',
  originalSha256: 'x-original-sha256',
  /** Present when the original headers had to be left out to fit; the value is how many there were. */
  headersDropped: 'x-headers-dropped',
  /** Present when no original bytes existed (a record that never was bytes) and the value is a re-encoding. */
  reencoded: 'x-reencoded',
} as const;

/** Headers stay small: a broker rejects records over `max.message.bytes`, and the message is for humans. */
const MAX_MESSAGE_CHARS = 2000;
/** Kafka's default `max.message.bytes` (1 MiB + 12), the limit of a topic created without one. */
export const KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Record batch header (61 bytes) and one record's varints, with room to spare; per header, its varints. */
const BATCH_OVERHEAD_BYTES = 256;
const HEADER_OVERHEAD_BYTES = 16;

export interface DeadLetterInput {
  /** The record as it arrived: key, value and headers are sent as they are. */
  raw: RecordBytes;
  error: unknown;
  position: RecordPosition;
  /** Headers added to the `x-` ones, e.g. `x-source-rows`. */
  extraHeaders?: Headers;
}

/** Where records that cannot be processed go, with why and where they came from. */
export interface DeadLetter {
  /** Resolves only once the record is durably stored; rejects with a `DeadLetterError` after bounded retries. */
  write(letter: DeadLetterInput): Promise<void>;
}

export interface DeadLetterWriterConfig {
  sink: Pick<KafkaSink, 'send'>;
  topic: string;
  /** The dead-letter topic's `max.message.bytes`: larger letters keep their headers and a truncated value. */
  maxMessageBytes?: number;
  /** Retries of a failed write (other than one too large, which is truncated instead). Default 5 retries. */
  retry?: RetryOptions;
}

/** The `x-error-code` of an error: its stable code when streamlearn raised it. */
export function errorCode(error: unknown): string {
  return error instanceof StreamlearnError ? error.code : 'UNEXPECTED';
}

function headerBytes(headers: Headers | RawHeaders): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    const values = Array.isArray(value) ? value : [value];
    for (const one of values) bytes += Buffer.byteLength(name) + (typeof one === 'string' ? Buffer.byteLength(one) : one.length) + HEADER_OVERHEAD_BYTES;
  }
  return bytes;
}

/** The `x-` headers of a letter. */
function errorHeaders({ error, position, extraHeaders = {} }: DeadLetterInput): Headers {
  return {
    ...extraHeaders,
    [DEAD_LETTER_HEADERS.code]: errorCode(error),
    [DEAD_LETTER_HEADERS.message]: errorMessage(error)
      .replace(/\s*\n\s*/g, ' ')
      .slice(0, MAX_MESSAGE_CHARS),
    [DEAD_LETTER_HEADERS.topic]: position.topic,
    [DEAD_LETTER_HEADERS.partition]: String(position.partition),
    [DEAD_LETTER_HEADERS.offset]: position.offset,
  };
}

/**
 * The message for a letter within `limit` bytes: as it arrived when it fits; else with the value cut to
 * what fits, marked with the original size and SHA-256 (so the original can be found and checked); else,
 * when even the original headers do not fit, without them (their count is kept).
 */
export function letterMessage(letter: DeadLetterInput, limit: number): OutgoingMessage {
  const { raw } = letter;
  const added = errorHeaders(letter);
  const keyBytes = raw.key?.length ?? 0;
  const valueBytes = raw.value?.length ?? 0;
  const fixed = BATCH_OVERHEAD_BYTES + keyBytes + headerBytes(raw.headers) + headerBytes(added);
  if (fixed + valueBytes <= limit) return { key: raw.key, value: raw.value, headers: { ...raw.headers, ...added } };
  const value = raw.value ?? Buffer.alloc(0);
  const marks: Headers = {
    [DEAD_LETTER_HEADERS.truncated]: 'true',
    [DEAD_LETTER_HEADERS.originalSize]: String(value.length),
    [DEAD_LETTER_HEADERS.originalSha256]: createHash('sha256').update(value).digest('hex'),
  };
  const room = limit - fixed - headerBytes(marks);
  if (room >= 0) return { key: raw.key, value: value.subarray(0, room), headers: { ...raw.headers, ...added, ...marks } };
  const dropped = { ...added, ...marks, [DEAD_LETTER_HEADERS.headersDropped]: String(Object.keys(raw.headers).length) };
  const left = limit - BATCH_OVERHEAD_BYTES - keyBytes - headerBytes(dropped);
  return { key: raw.key, value: value.subarray(0, Math.max(0, left)), headers: dropped };
}

/** The bytes a dead letter keeps of a record: the original ones, or (for values that never were bytes) a re-encoding, marked. */
export function deadLetterOf(record: DecodedRecord<unknown>, error: unknown, codec?: Codec<unknown>): DeadLetterInput {
  const position = { topic: record.topic, partition: record.partition, offset: record.offset };
  if (record.raw) return { raw: record.raw, error, position };
  const headers: RawHeaders = Object.fromEntries(Object.entries(record.headers).map(([name, value]) => [name, Buffer.from(value)]));
  const key = record.key === null ? null : Buffer.from(record.key);
  let value: Buffer | null = null;
  let reencoded = 'true';
  try {
    if (codec) value = codec.encode(record.value);
    else reencoded = 'failed: no codec';
  } catch (err) {
    reencoded = `failed: ${errorMessage(err).slice(0, 200)}`;
  }
  return { raw: { key, value, headers }, error, position, extraHeaders: { [DEAD_LETTER_HEADERS.reencoded]: reencoded } };
}

function failure(topic: string, letter: DeadLetterInput, attempts: string, cause: unknown): DeadLetterError {
  const { topic: source, partition, offset } = letter.position;
  return new DeadLetterError(
    `cannot dead-letter ${source}/${partition}@${offset} to "${topic}" (${attempts}): ${errorMessage(cause).split('\n')[0]}; its offset is not committed, a restart resumes there`,
    { cause },
  );
}

/**
 * A dead-letter topic written through a sink (whose `send` resolves on acks=all). A letter larger than the
 * topic's limit is truncated (see `letterMessage`); when the broker still says it is too large (the limit
 * given was wrong, or letters were coalesced into one batch), it is sent again alone, at a quarter of the
 * size each time, down to headers only. Any other failure is retried `retry.retries` times, then the write
 * rejects with a one-line `DeadLetterError` naming the dead-letter topic and the record's position.
 */
export function createDeadLetterWriter({
  sink,
  topic,
  maxMessageBytes = KAFKA_DEFAULT_MAX_MESSAGE_BYTES,
  retry: retryOptions = {},
}: DeadLetterWriterConfig): DeadLetter {
  if (topic.length === 0) throw new ConfigError('createDeadLetterWriter: topic must be a non-empty topic name');
  requirePositiveInteger('createDeadLetterWriter', 'maxMessageBytes', maxMessageBytes);
  const options: RetryOptions = { retries: 5, initialDelayMs: 200, ...retryOptions, shouldRetry: (err) => !isTooLargeError(err) };
  // Letters resent alone go one at a time, so that the sink cannot coalesce them into one oversized batch.
  let alone: Promise<unknown> = Promise.resolve();

  async function shrinkUntilSent(letter: DeadLetterInput): Promise<void> {
    for (let limit = maxMessageBytes; ; limit = Math.floor(limit / 4)) {
      try {
        await retry(() => sink.send(topic, [letterMessage(letter, limit)]), options);
        return;
      } catch (err) {
        if (!isTooLargeError(err) || limit <= BATCH_OVERHEAD_BYTES) throw failure(topic, letter, `too large even at ${limit} bytes`, err);
      }
    }
  }

  return {
    async write(letter) {
      try {
        await retry(() => sink.send(topic, [letterMessage(letter, maxMessageBytes)]), options);
        return;
      } catch (err) {
        if (!isTooLargeError(err)) throw failure(topic, letter, `${(options.retries ?? 0) + 1} attempts`, err);
      }
      const turn = alone.then(() => shrinkUntilSent(letter));
      alone = turn.catch(() => undefined);
      await turn;
    },
  };
}

/** Dead letters written in the background, and the wait every commit path makes for them. */
export interface PendingDeadLetters {
  /**
   * A writer whose `write` resolves as soon as the letter is handed over, not once it is stored: the batch
   * goes on while the letter is sent. Whoever uses it must call `settled()` before committing or
   * publishing any offset past the letter's record.
   */
  handOver: DeadLetter;
  /**
   * Resolves once every letter handed over before this call is stored; rejects (with its `DeadLetterError`)
   * when one of them, or any letter before, could not be: the offsets past it must then never be committed.
   */
  settled(): Promise<void>;
  /** Letters handed over and not yet stored. */
  readonly pending: number;
}

/**
 * Tracks the letters handed over to `writer`. A letter that cannot be stored is reported to `failed` at
 * once (the caller ends its run) and makes every later `settled()` reject.
 */
export function trackDeadLetters(writer: DeadLetter, failed: (err: unknown) => void): PendingDeadLetters {
  const pending = new Set<Promise<void>>();
  let failure: { err: unknown } | undefined;
  const check = () => {
    if (failure) throw failure.err;
  };
  return {
    handOver: {
      write(letter) {
        const stored = writer.write(letter);
        pending.add(stored);
        stored.then(
          () => pending.delete(stored),
          (err: unknown) => {
            pending.delete(stored);
            failure ??= { err };
            failed(err);
          },
        );
        return Promise.resolve();
      },
    },
    settled: () => (pending.size === 0 ? Promise.resolve().then(check) : Promise.all(pending).then(check)),
    get pending() {
      return pending.size;
    },
  };
}
