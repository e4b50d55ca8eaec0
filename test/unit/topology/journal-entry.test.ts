/**
 * A journal entry keeps a batch read into columns as its chunk's row range and gives back records equal to
 * the ones it was made of; any other batch keeps its records array as it is.
 */
import type { KafkaMessage } from 'kafkajs';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { isColumnRecord } from '../../../connectors/kafka/column-record';
import { decodeMessages } from '../../../connectors/kafka/decode-messages';
import type { DecodedRecord } from '../../../connectors/types';
import { chunkRowsOf, journalEntry } from '../../../src/topology/journal-entry';

const message = (offset: number, text: string, key: string | null = null): KafkaMessage =>
  ({
    offset: String(offset),
    value: Buffer.from(text),
    key: key === null ? null : Buffer.from(key),
    timestamp: String(1700000000000 + offset),
    attributes: 0,
    headers: { h: Buffer.from(`v${offset}`) },
  }) as KafkaMessage;

function decoded(texts: string[]): DecodedRecord<unknown>[] {
  const messages = texts.map((text, i) => message(100 + i, text, i % 2 === 0 ? `k${i}` : null));
  return decodeMessages(messages, 'events', 3, createJsonCodec(), true).records as DecodedRecord<unknown>[];
}

/** Everything a record says of itself, read through its accessors. */
const fields = (record: DecodedRecord<unknown>) => {
  const { topic, partition, offset, key, timestamp, headers, value, raw } = record;
  return { topic, partition, offset, key, timestamp, headers, value, raw };
};

const clean = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ x: i * 0.5, c: `c${i % 3}`, y: i % 2 }));

describe('journalEntry', () => {
  it('keeps a chunk of column records as rows and gives back records equal to them, made anew on each read', () => {
    const records = decoded(clean(6));
    expect(records.every(isColumnRecord)).toBe(true);
    const rows = Int32Array.from([0, 2, 5]);
    const entry = journalEntry({ records, rows }, 'events/3@100..105');
    expect(entry.where).toBe('events/3@100..105');
    expect(entry.rows).toBe(rows);
    const back = entry.records;
    expect(back).not.toBe(records);
    expect(entry.records).not.toBe(back);
    expect(back.every(isColumnRecord)).toBe(true);
    expect(back.map(fields)).toEqual(records.map(fields));
  });

  it('keeps records as they are when they are not one chunk’s consecutive column records', () => {
    const mixed = decoded([...clean(3), '{"x":1,"y":', ...clean(2)]);
    // Another key order than the chunk's first message: decoded by JSON.parse, a record object of its own.
    const decodedOne = decoded(['{"x":3,"y":0}', '{"y":1,"x":2}']);
    expect(decodedOne.map(isColumnRecord)).toEqual([true, false]);
    for (const records of [mixed, decodedOne, [decoded(clean(2))[0], decoded(clean(2))[1]], []]) {
      expect(journalEntry({ records }, 'w').records).toBe(records);
    }
    // The bad message left a gap in the rows (its record was dead-lettered): not a range.
    expect(chunkRowsOf(mixed)).toBeUndefined();
  });

  it('packs records assigned to it (a replay keeps an entry with the records it learned again)', () => {
    const entry = journalEntry({ records: [] }, 'w');
    const records = decoded(clean(4)).slice(1);
    entry.records = records;
    expect(chunkRowsOf(records)).toMatchObject({ first: 1, count: 3 });
    expect(entry.records).not.toBe(records);
    expect(entry.records.map(fields)).toEqual(records.map(fields));
  });
});
