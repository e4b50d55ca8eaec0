import type { KafkaMessage } from 'kafkajs';
import { decodeMessages, rawHeaders, toHeaders } from '../../../connectors/kafka/decode-messages';
import { createJsonCodec } from '../../../connectors/codecs/json';
import { decimal, isColumnRecord, type ColumnRecord } from '../../../connectors/kafka/column-record';
import type { Codec, DecodedRecord, RecordPosition } from '../../../connectors/types';
import { DecodeError } from '../../../src/errors';

const message = (offset: string, value: Buffer | null, extra: Partial<KafkaMessage> = {}): KafkaMessage =>
  ({ offset, value, key: null, timestamp: '1700000000123', attributes: 0, headers: {}, ...extra }) as KafkaMessage;

/** A codec that reads a number, refuses anything else, and remembers where it was asked to decode. */
function numberCodec(): Codec<number> & { positions: RecordPosition[] } {
  const positions: RecordPosition[] = [];
  return {
    name: 'number',
    positions,
    decode(bytes, position) {
      positions.push(position);
      const value = Number(bytes.toString());
      if (!Number.isFinite(value)) throw new DecodeError('MALFORMED', `not a number at ${position.offset}`);
      return value;
    },
    encode: (value: number) => Buffer.from(String(value)),
  };
}

describe('rawHeaders', () => {
  it('keeps header values as bytes: strings become Buffers, repeated names stay lists, undefined values are dropped', () => {
    const bytes = Buffer.from([0xff, 0x00]);
    const result = rawHeaders({ a: bytes, b: 'text', c: [Buffer.from('x'), 'y'], d: undefined });
    expect(Object.keys(result).sort()).toEqual(['a', 'b', 'c']);
    expect(result.a).toBe(bytes);
    expect(result.b).toEqual(Buffer.from('text'));
    expect(Buffer.isBuffer(result.b)).toBe(true);
    expect(result.c).toEqual([Buffer.from('x'), Buffer.from('y')]);
  });

  it('returns an empty record for no headers', () => {
    expect(rawHeaders(undefined)).toEqual({});
    expect(rawHeaders({})).toEqual({});
  });
});

describe('toHeaders', () => {
  it('keeps one text value per name, the last of a repeated name', () => {
    expect(toHeaders({ a: Buffer.from('1'), b: 'two', c: [Buffer.from('first'), Buffer.from('second'), Buffer.from('last')], d: undefined, e: [] })).toEqual({
      a: '1',
      b: 'two',
      c: 'last',
    });
    expect(toHeaders(undefined)).toEqual({});
    expect(toHeaders({})).toEqual({});
  });
});

describe('decimal', () => {
  it('reads offsets and timestamps as Number does, digits up to 15 and anything else', () => {
    const texts = ['0', '7', '1000000', '1733560000123', '999999999999999', '9007199254740993', '-1', '', ' 12', '1e3', '12a', '0x10', '007'];
    let seed = 11;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      texts.push(String(seed * (i % 7) ** (i % 5)).slice(0, 1 + (i % 16)));
    }
    for (const text of texts) expect([text, decimal(text)]).toEqual([text, Number(text)]);
  });

  it('gives each column record of a chunk its own timestamp, runs of equal ones and changes alike', () => {
    const stamps = ['1733560000123', '1733560000123', '1733560000124', '1733560000123', '-1', '-1', '9007199254740993', '0', '0', '1733560000125'];
    const messages = stamps.map((timestamp, i) => ({ ...message(String(40 + i), Buffer.from(`{"x":${i}}`)), timestamp }) as KafkaMessage);
    const { records } = decodeMessages(messages, 't', 0, createJsonCodec(), true);
    expect(records.every(isColumnRecord)).toBe(true);
    expect(records.map((record) => record.timestamp)).toEqual(stamps.map(Number));
  });
});

describe('decodeMessages', () => {
  it('decodes each message into a record with its position, key, headers, timestamp and original bytes', () => {
    const codec = numberCodec();
    const value = Buffer.from('42');
    const headers = { h: Buffer.from('v') };
    const { records, undecodable } = decodeMessages([message('7', value, { key: Buffer.from('k'), headers })], 'events', 3, codec);
    expect(undecodable).toEqual([]);
    expect(records).toEqual([
      {
        topic: 'events',
        partition: 3,
        offset: '7',
        key: 'k',
        headers: { h: 'v' },
        timestamp: 1700000000123,
        value: 42,
        raw: { key: Buffer.from('k'), value, headers: { h: Buffer.from('v') } },
      },
    ]);
    expect(codec.positions).toEqual([{ topic: 'events', partition: 3, offset: '7' }]);
  });

  it('keeps a null key as null', () => {
    const { records } = decodeMessages([message('0', Buffer.from('1'))], 't', 0, numberCodec());
    expect(records[0].key).toBeNull();
    expect(records[0].raw?.key).toBeNull();
  });

  it('sets aside what the codec refuses and tombstones, in order, with their bytes and position; the rest is decoded', () => {
    const codec = numberCodec();
    const bad = Buffer.from('not a number');
    const { records, undecodable } = decodeMessages(
      [message('0', Buffer.from('1')), message('1', bad, { key: Buffer.from('kb') }), message('2', null), message('3', Buffer.from('3'))],
      't',
      1,
      codec,
    );
    expect(records.map((record) => [record.offset, record.value])).toEqual([
      ['0', 1],
      ['3', 3],
    ]);
    expect(undecodable.map((record) => record.position)).toEqual([
      { topic: 't', partition: 1, offset: '1' },
      { topic: 't', partition: 1, offset: '2' },
    ]);
    expect(undecodable[0].raw).toEqual({ key: Buffer.from('kb'), value: bad, headers: {} });
    expect((undecodable[0].error as DecodeError).message).toBe('not a number at 1');
    const tombstone = undecodable[1].error as DecodeError;
    expect(tombstone).toBeInstanceOf(DecodeError);
    expect(tombstone.code).toBe('MALFORMED');
    expect(tombstone.message).toBe('t/1@2: the record has no value (a tombstone)');
    expect(undecodable[1].raw.value).toBeNull();
    // The codec is never asked to decode a tombstone.
    expect(codec.positions.map((position) => position.offset)).toEqual(['0', '1', '3']);
  });
});

describe('decodeMessages with a codec that reads columns (JSON)', () => {
  it('makes records on the batch columns for flat numeric objects, equal to the decoded ones field by field; the rest decodes as before', () => {
    const codec = createJsonCodec();
    const values = ['{"x":0.1,"y":2}', '{"x":"a\\t","y":2}', '{"x":-3e-5,"y":1}', '{"x":1e400,"y":1}'].map((text) => Buffer.from(text));
    const headers = { h: [Buffer.from('1'), Buffer.from('2')] };
    const messages = values.map((value, i) => message(String(10 + i), value, i === 2 ? { key: Buffer.from('k'), headers } : {}));
    const { records, undecodable } = decodeMessages(messages, 'events', 1, codec, true);
    expect(records.map(isColumnRecord)).toEqual([true, false, true]);
    expect(undecodable.map((record) => [record.position.offset, (record.error as DecodeError).code])).toEqual([['13', 'NONFINITE']]);
    // The fields of a record, read as a consumer reads them (a column record's are accessors).
    const plain = ({ topic, partition, offset, key, headers, timestamp, value, raw, row }: DecodedRecord<unknown>) => ({
      topic,
      partition,
      offset,
      key,
      headers,
      timestamp,
      value,
      raw,
      row,
    });
    expect(records.map(plain)).toEqual(
      [
        {
          topic: 'events',
          partition: 1,
          offset: '10',
          key: null,
          headers: {},
          timestamp: 1700000000123,
          value: { x: 0.1, y: 2 },
          raw: { key: null, value: values[0], headers: {} },
        },
        {
          topic: 'events',
          partition: 1,
          offset: '11',
          key: null,
          headers: {},
          timestamp: 1700000000123,
          value: { x: 'a\t', y: 2 },
          raw: { key: null, value: values[1], headers: {} },
        },
        {
          topic: 'events',
          partition: 1,
          offset: '12',
          key: 'k',
          headers: { h: '2' },
          timestamp: 1700000000123,
          value: { x: -3e-5, y: 1 },
          raw: { key: Buffer.from('k'), value: values[2], headers },
        },
      ].map((expected) => ({ ...expected, row: undefined })),
    );
    const columnar = records[2] as ColumnRecord;
    expect(columnar.columns.names).toEqual(['x', 'y']);
    expect([columnar.columns.columns[0]![columnar.columnRow], columnar.columns.columns[1]![columnar.columnRow]]).toEqual([-3e-5, 1]);
  });
});

describe('decodeMessages: the bytes a column record keeps', () => {
  it('gives back each value byte for byte, whether the values share one store (a fetch) or not', () => {
    const texts = ['{"x":1,"y":2}', '{"x":3,"y":4}', '{"x":5,"y":6}'];
    const pooled = Buffer.from(texts.join(''));
    const shared = texts.map((_, i) => pooled.subarray(texts.slice(0, i).join('').length, texts.slice(0, i + 1).join('').length));
    const separate = texts.map((text) => Buffer.from(Uint8Array.from(Buffer.from(text)).buffer));
    for (const values of [shared, separate]) {
      const { records } = decodeMessages(
        values.map((value, i) => message(String(i), value)),
        't',
        0,
        createJsonCodec(),
        true,
      );
      expect(records.map((record) => [isColumnRecord(record), record.raw?.value?.toString(), record.value])).toEqual(
        texts.map((text) => [true, text, JSON.parse(text)]),
      );
    }
    expect(new Set(separate.map((value) => value.buffer)).size).toBe(3);
  });

  it('reads columns only when asked: by default every record is decoded by the codec, as a plain object', () => {
    const { records } = decodeMessages([message('0', Buffer.from('{"x":1}'))], 't', 0, createJsonCodec());
    expect(records.map(isColumnRecord)).toEqual([false]);
    expect({ ...records[0] }).toMatchObject({ topic: 't', offset: '0', value: { x: 1 } });
  });

  it('keeps offsets past 15 digits as kafkajs wrote them', () => {
    const offsets = ['9007199254740993', '9007199254740994'];
    const { records } = decodeMessages(
      offsets.map((offset) => message(offset, Buffer.from('{"x":1}'))),
      't',
      0,
      createJsonCodec(),
      true,
    );
    expect(records.map((record) => [isColumnRecord(record), record.offset, record.topic, record.partition])).toEqual(
      offsets.map((offset) => [true, offset, 't', 0]),
    );
  });
});

describe('decodeMessages: the value of a column record, made of the columns', () => {
  const read = (texts: string[]) =>
    decodeMessages(
      texts.map((text, i) => message(String(i), Buffer.from(text))),
      't',
      0,
      createJsonCodec(),
      true,
    ).records;
  /** The value's keys in order, and each field as Object.is tells it (-0 from 0, the same double). */
  const fields = (value: unknown) => Object.entries(value as object).map(([key, field]) => [key, typeof field, Object.is(field, -0) ? '-0' : field]);

  it('is what JSON.parse makes of the bytes, key order, -0 and every double included, without parsing them', () => {
    const texts = [
      '{"site":"a","x":-0,"7":1e-320,"y":0.1}',
      '{"site":"b","x":1.7976931348623157e308,"7":-5e-324,"y":123456789012345680000}',
      '{"site":"a","x":0,"7":"seven","y":-1}',
      '{"site":"a","x":"z\\u0041","7":1,"y":2}', // an escape: decoded by the codec, not a column record
    ];
    const records = read(texts);
    expect(records.map(isColumnRecord)).toEqual([true, true, true, false]);
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const values = records.map((record) => record.value);
      expect(parse).not.toHaveBeenCalled();
      expect(values.map(fields)).toEqual(texts.map((text) => fields(JSON.parse(text))));
      expect(Object.keys(values[0] as object)).toEqual(['7', 'site', 'x', 'y']);
    } finally {
      parse.mockRestore();
    }
  });

  it('reads a string that was not interned (a column of ids, new in nearly every message) from the bytes, white space and colons around', () => {
    const texts = Array.from({ length: 1500 }, (_, i) => `{"s": "a:b" , "x":${i / 7}, "id" : "ev:${i},{}" }`);
    const records = read(texts);
    expect(records.every(isColumnRecord)).toBe(true);
    expect((records[0] as ColumnRecord).columns.texts[2]).toBeUndefined();
    const parse = jest.spyOn(JSON, 'parse');
    try {
      const values = records.map((record) => record.value);
      expect(parse).not.toHaveBeenCalled();
      expect(values).toEqual(texts.map((text) => JSON.parse(text) as unknown));
    } finally {
      parse.mockRestore();
    }
  });
});
