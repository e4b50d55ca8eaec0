import type { KafkaMessage } from 'kafkajs';
import { DecodeError } from '../../src/errors';
import type { Codec, DecodedRecord, RecordBytes, RecordPosition } from '../types';
import { ColumnRecord, MessageChunk } from './column-record';
import { rawHeaders, toHeaders } from './headers';

export { rawHeaders, toHeaders } from './headers';

/** A record the codec rejected, with everything the dead-letter topic keeps of it. */
export interface UndecodableRecord {
  raw: RecordBytes;
  error: unknown;
  position: RecordPosition;
}

/**
 * Splits fetched messages into decoded records and the ones to dead-letter; decode failures never escape.
 * With `readColumns` and a codec that reads columns (JSON), the messages it reads become `ColumnRecord`s on
 * the batch's columns, without a parsed object each; the others are decoded one by one as before.
 */
export function decodeMessages<T>(
  messages: KafkaMessage[],
  topic: string,
  partition: number,
  codec: Codec<T>,
  readColumns = false,
): { records: DecodedRecord<T>[]; undecodable: UndecodableRecord[] } {
  // Sized once (a chunk is at most a fetch's records), then trimmed: pushed one by one, the array was copied
  // as it grew, about twice its size in garbage.
  const records: DecodedRecord<T>[] = new Array<DecodedRecord<T>>(messages.length);
  let count = 0;
  const undecodable: UndecodableRecord[] = [];
  const columns = readColumns ? codec.readColumns?.(messages.map((message) => message.value)) : undefined;
  const chunk = columns === undefined ? undefined : new MessageChunk(topic, partition, messages, columns);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (chunk !== undefined && chunk.columns.fast[i] === 1) {
      // The codec's value type for these is what JSON.parse makes of the bytes (ColumnRecord.value).
      records[count++] = new ColumnRecord(chunk, i) as DecodedRecord<unknown> as DecodedRecord<T>;
      continue;
    }
    const position = { topic, partition, offset: message.offset };
    const key = message.key === null ? null : message.key.toString();
    const headers = toHeaders(message.headers);
    const raw: RecordBytes = { key: message.key, value: message.value, headers: rawHeaders(message.headers) };
    try {
      if (message.value === null) {
        throw new DecodeError('MALFORMED', `${topic}/${partition}@${message.offset}: the record has no value (a tombstone)`);
      }
      const value = codec.decode(message.value, position);
      // A plain literal, not a spread of `position`: V8 in Node 20 builds spread objects on a slow path, 4x here.
      records[count++] = { topic, partition, offset: message.offset, key, headers, timestamp: Number(message.timestamp), value, raw };
    } catch (error) {
      undecodable.push({ raw, error, position });
    }
  }
  records.length = count;
  return { records, undecodable };
}
