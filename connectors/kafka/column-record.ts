import type { IHeaders, KafkaMessage } from 'kafkajs';
import { rowOfColumns, type NumericColumns } from '../codecs/json-columns';
import type { DecodedRecord, Headers, RecordBytes } from '../types';
import { ByteViews } from './byte-views';
import { NO_HEADERS, rawHeaders, toHeaders } from './headers';

/**
 * The number a decimal integer's text stands for, as `Number(text)` reads it. kafkajs hands offsets and
 * timestamps as text; `Number` of a 13-digit timestamp was half of this constructor, 4.2% of the trainer's
 * thread in `npm start` (CPU profile, line ticks: 141 of 290 on the timestamp, 90 on the offset). Up to
 * 15 digits every partial sum is an exact double, so the loop gives `Number`'s result; anything else
 * (a sign, other characters, longer text) is left to `Number`.
 */
export function decimal(text: string): number {
  const n = text.length;
  if (n === 0 || n > 15) return Number(text);
  let value = 0;
  for (let i = 0; i < n; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return Number(text);
    value = value * 10 + digit;
  }
  return value;
}

/**
 * What the records of one fetched chunk read into columns share: the columns, and each message's offset,
 * timestamp, key, headers and value bytes kept in arrays, not in an object per message. The runtime keeps
 * a batch's records until the checkpoint that covers them (its journal, for a rollback); kafkajs's message
 * objects and their Buffer views are then no longer held, and die young as they do for a bare consumer.
 */
export class MessageChunk {
  /**
   * Offsets as numbers, their text made when read: the kafkajs strings, kept, were a third of what each
   * record kept alive. Offsets past 15 digits (beyond a double's exact integers) are kept as text.
   */
  private readonly offsetNumbers?: Float64Array;
  private readonly offsetTexts?: string[];
  readonly timestamps: Float64Array;
  /** Absent when no message has a key, or headers. */
  readonly keys?: ByteViews;
  readonly headers?: IHeaders[];
  private readonly values: ByteViews;

  constructor(
    readonly topic: string,
    readonly partition: number,
    messages: readonly KafkaMessage[],
    readonly columns: NumericColumns,
  ) {
    // One pass over the messages: this runs once per fetched chunk, on every message (2.6% of the step as four passes).
    const n = messages.length;
    const offsets = new Float64Array(n);
    let long = false;
    this.timestamps = new Float64Array(n);
    const values = new ByteViews(n);
    let oneStore = true;
    let keyed = false;
    let headed = false;
    let lastTimestamp = '';
    let lastTime = 0;
    for (let i = 0; i < n; i++) {
      const { offset, timestamp, key, headers, value } = messages[i];
      offsets[i] = decimal(offset);
      long ||= offset.length > 15;
      // A producer writes many records per millisecond: a timestamp's text equal to the one before is that number
      // again (a compare of 13 bytes instead of 13 digits read; the timestamp was half of this loop).
      if (timestamp !== lastTimestamp) {
        lastTimestamp = timestamp;
        lastTime = decimal(timestamp);
      }
      this.timestamps[i] = lastTime;
      keyed ||= key !== null;
      headed ||= headers !== undefined && toHeaders(headers) !== NO_HEADERS;
      oneStore = values.set(i, value) && oneStore;
    }
    if (long) this.offsetTexts = messages.map((message) => message.offset);
    else this.offsetNumbers = offsets;
    if (keyed) this.keys = ByteViews.of(messages.map((message) => message.key));
    if (headed) this.headers = messages.map((message) => message.headers ?? {});
    if (!oneStore) values.keepBuffers(messages.map((message) => message.value));
    this.values = values;
  }

  /** Message `row`'s offset, as kafkajs writes it. */
  offset(row: number): string {
    return this.offsetTexts === undefined ? String((this.offsetNumbers as Float64Array)[row]) : this.offsetTexts[row];
  }

  /** Message `row`'s value bytes, made when asked for (a record is made of a chunk's row only where it had a value). */
  value(row: number): Buffer {
    return this.values.at(row) as Buffer;
  }
}

/**
 * A record whose value the source read into its chunk's numeric columns (`readNumericColumns`) instead of
 * a parsed object: row `columnRow` of `chunk.columns`. Its key, headers, raw bytes and value are made only
 * when asked for: the value of the columns and, for strings not interned, of the bytes (`rowOfColumns`: what
 * `JSON.parse` makes of them); the scanner checked the bytes give exactly these numbers. The columnar path reads the
 * columns; a record read as an object (the row form, a dead letter, a prediction's key) costs what it did.
 * These are accessors: `{ ...record }` copies none of them.
 */
export class ColumnRecord implements DecodedRecord<unknown> {
  // Two fields and no cache of the parsed value: every byte a record holds is copied out of the young
  // generation while the journal keeps it (the value is read once by the row form, rarely otherwise).
  constructor(
    readonly chunk: MessageChunk,
    readonly columnRow: number,
  ) {}

  get topic(): string {
    return this.chunk.topic;
  }

  get partition(): number {
    return this.chunk.partition;
  }

  get columns(): NumericColumns {
    return this.chunk.columns;
  }

  get offset(): string {
    return this.chunk.offset(this.columnRow);
  }

  get timestamp(): number {
    return this.chunk.timestamps[this.columnRow];
  }

  get key(): string | null {
    const key = this.chunk.keys?.at(this.columnRow) ?? null;
    return key === null ? null : key.toString();
  }

  get headers(): Headers {
    return toHeaders(this.chunk.headers?.[this.columnRow]);
  }

  get raw(): RecordBytes {
    return {
      key: this.chunk.keys?.at(this.columnRow) ?? null,
      value: this.chunk.value(this.columnRow),
      headers: rawHeaders(this.chunk.headers?.[this.columnRow]),
    };
  }

  get value(): unknown {
    // Made of the columns: a JSON.parse of the bytes was 0.5% of the `npm start` trainer (iPFI's sampled rows),
    // and ~11 B an event of the in-process ctr step's garbage (docs/performance.md, "Stop 24"). A column
    // record's message is fast (its columns hold it), so JSON.parse is only a safeguard here; the scanner
    // accepted only ASCII bytes, so latin1 is the codec's UTF-8.
    const bytes = this.chunk.value(this.columnRow);
    return rowOfColumns(this.chunk.columns, this.columnRow, bytes) ?? (JSON.parse(bytes.toString('latin1')) as unknown);
  }
}

/** Whether a record's value sits in its batch's numeric columns. */
export function isColumnRecord(record: DecodedRecord<unknown>): record is ColumnRecord {
  return record instanceof ColumnRecord;
}
