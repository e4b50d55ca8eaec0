import type { KafkaMessage } from 'kafkajs';
import type { NumericColumns } from '../codecs/json-columns';
import type { DecodedRecord, Headers, RecordBytes } from '../types';
import { rawHeaders } from './headers';

/**
 * A record whose value the source read into its batch's numeric columns (`readNumericColumns`) instead of
 * a parsed object: row `columnRow` of `columns`. Its key, timestamp, original bytes and value are made
 * only when asked for: the value by `JSON.parse` of the bytes, which the scanner checked give exactly
 * these numbers. Only the kafkajs message and two numbers are kept per record (the columnar path reads
 * the columns); a record read as an object (the row form, a dead letter, a prediction's key) costs what
 * it did. Its value and raw bytes are accessors: `{ ...record }` does not copy them.
 */
export class ColumnRecord implements DecodedRecord<unknown> {
  private parsed: unknown;
  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly message: KafkaMessage,
    readonly columns: NumericColumns,
    readonly columnRow: number,
    readonly headers: Headers,
  ) {}

  get offset(): string {
    return this.message.offset;
  }

  get key(): string | null {
    return this.message.key === null ? null : this.message.key.toString();
  }

  get timestamp(): number {
    return Number(this.message.timestamp);
  }

  get raw(): RecordBytes {
    return { key: this.message.key, value: this.message.value, headers: rawHeaders(this.message.headers) };
  }

  get value(): unknown {
    // The scanner accepted only ASCII bytes, so latin1 is the codec's UTF-8 here.
    if (this.parsed === undefined) this.parsed = JSON.parse((this.message.value as Buffer).toString('latin1')) as unknown;
    return this.parsed;
  }
}

/** Whether a record's value sits in its batch's numeric columns. */
export function isColumnRecord(record: DecodedRecord<unknown>): record is ColumnRecord {
  return record instanceof ColumnRecord;
}
