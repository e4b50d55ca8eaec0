/** Shapes shared by every source and sink: bytes come in as micro-batches of decoded records. */
import type { NumericColumns } from './codecs/json-columns';

export type Headers = Record<string, string>;

/** Header values as Kafka carries them: any bytes, and a name may repeat. */
export type RawHeaders = Record<string, Buffer | Buffer[]>;

/**
 * A record exactly as it arrived, kept until the record is acknowledged so that a dead letter carries the
 * original key, value and headers byte for byte (a re-encoding of the parsed value would not be the same
 * bytes, and for some codecs cannot be made at all).
 */
export interface RecordBytes {
  key: Buffer | null;
  value: Buffer | null;
  headers: RawHeaders;
}

/** Where a record came from, as written to dead-letter headers and checkpoint manifests. */
export interface RecordPosition {
  topic: string;
  partition: number;
  /** Kafka offsets are int64; kept as decimal strings, like kafkajs. */
  offset: string;
}

export interface DecodedRecord<T> extends RecordPosition {
  key: string | null;
  value: T;
  timestamp: number;
  headers: Headers;
  /** The bytes the record arrived as; absent for values that never were bytes (an in-memory source of values). */
  raw?: RecordBytes;
  /**
   * The row's index inside its message, when one message carries many rows (an Arrow record batch cut into
   * row records). Such records share the message's position and `raw`.
   */
  row?: number;
}

/**
 * A run of consecutive records from one partition. The source fetches nothing more for the partition
 * until `ack()` resolves, and commits `lastOffset + 1` only then.
 */
export interface MicroBatch<T> {
  topic: string;
  partition: number;
  records: DecodedRecord<T>[];
  /** Records of this offset range that failed to decode and went to the dead-letter topic instead. */
  deadLettered: number;
  firstOffset: string;
  lastOffset: string;
  /** High watermark minus the offset after this batch, when known. */
  lag: number;
  /** Offset of the next record to read: `lastOffset + 1`. */
  nextOffset: string;
  ack(): Promise<void>;
}

/** Where decoding happens, so an error can name it. */
export interface DecodeContext extends RecordPosition {}

export interface Codec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  /** Throws `DecodeError` naming what was wrong; the caller dead-letters the bytes. */
  decode(bytes: Buffer, context: DecodeContext): T;
  /**
   * Optional, for a whole fetched chunk at once: the messages this codec can read straight into numeric
   * columns (JSON's flat objects of numbers), each exactly as `decode` would read it; the others (`fast`
   * 0) are decoded by `decode` as usual. Undefined when none can be.
   */
  readColumns?(values: readonly (Buffer | null)[]): NumericColumns | undefined;
  /**
   * Optional: the caller promises that nothing holds `record.value`, nor any view of its memory, any more (the
   * runtime, once a batch is learned). The codec may then reuse memory the value was decoded onto; the record's
   * `value` stays readable, decoded again from `record.raw` when read.
   */
  release?(record: DecodedRecord<T>): void;
}

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
