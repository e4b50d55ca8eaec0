import { Float16, Float64, Table, makeData, makeVector, tableToIPC, vectorFromArray } from 'apache-arrow';
import { createArrowCodec, findNonFinite, numericColumn, tableFromColumns } from '../../../connectors/codecs/arrow';
import type { DecodedRecord } from '../../../connectors/types';
import { ConfigError, NonFiniteError } from '../../../src/errors';
import { createRandom } from '../../../src/random';
import { decodeError } from './decode-error';

const context = { topic: 'batches', partition: 1, offset: '9000' };

function bytesOf(array: ArrayBufferView): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function randomColumns(rows: number, seed: number) {
  const random = createRandom(seed);
  const f64 = Float64Array.from({ length: rows }, () => random.gaussian() * 10 ** (random.nextInt(600) - 300));
  f64.set([0, -0, Number.MIN_VALUE, -Number.MAX_VALUE], 0);
  return {
    f64,
    f32: Float32Array.from({ length: rows }, () => random.gaussian()),
    i32: Int32Array.from({ length: rows }, () => random.nextInt(2 ** 32) - 2 ** 31),
    label: Array.from({ length: rows }, (_, i) => `row ${i} ${'é'.repeat(i % 3)}`),
  };
}

describe('createArrowCodec', () => {
  const codec = createArrowCodec();

  it('round-trips 10,000 rows with numeric columns bit for bit, as columns', () => {
    const columns = randomColumns(10_000, 11);
    const decoded = codec.decode(codec.encode(tableFromColumns(columns)), context);
    expect(decoded.numRows).toBe(10_000);
    expect(decoded.schema.names).toEqual(['f64', 'f32', 'i32', 'label']);
    for (const name of ['f64', 'f32', 'i32'] as const) {
      const column = numericColumn(decoded, name);
      expect(column.constructor).toBe(columns[name].constructor);
      expect(bytesOf(column).equals(bytesOf(columns[name]))).toBe(true);
    }
    expect(decoded.getChild('label')?.toArray()).toEqual(columns.label);
  });

  it('keeps NaN payloads and infinities bit for bit when rejectNonFinite is off', () => {
    const lenient = createArrowCodec({ rejectNonFinite: false });
    const bits = new BigUint64Array([0x7ff8000000000001n, 0xfff0000000000000n, 0x7ff0000000000000n, 0x7ff4000000000abcn]);
    const decoded = lenient.decode(lenient.encode(tableFromColumns({ x: new Float64Array(bits.buffer) })), context);
    expect(bytesOf(numericColumn(decoded, 'x')).equals(bytesOf(bits))).toBe(true);
  });

  it('decodes columns as views on the message bytes when aligned', () => {
    const bytes = codec.encode(tableFromColumns({ x: new Float64Array([1, 2, 3]) }));
    expect(numericColumn(codec.decode(bytes, context), 'x').buffer).toBe(bytes.buffer);
    const shifted = Buffer.alloc(bytes.length + 3).fill(7);
    bytes.copy(shifted, 3);
    expect(Array.from(numericColumn(codec.decode(shifted.subarray(3), context), 'x'))).toEqual([1, 2, 3]);
  });

  it.each([
    ['empty bytes', Buffer.alloc(0)],
    ['text', Buffer.from('not an arrow stream at all')],
    ['JSON', Buffer.from('{"a":1}')],
  ])('rejects %s (MALFORMED), naming the position', (_what, bytes) => {
    const error = decodeError(() => codec.decode(bytes, context));
    expect(error.code).toBe('MALFORMED');
    expect(error.message).toMatch(/^batches\/1@9000: arrow: /);
  });

  it('rejects a truncated stream (MALFORMED)', () => {
    const bytes = codec.encode(tableFromColumns({ x: new Float64Array(100) }));
    expect(decodeError(() => codec.decode(bytes.subarray(0, bytes.length - 100), context)).code).toBe('MALFORMED');
  });

  it('rejects a non-finite float, naming column and row across record batches (NONFINITE)', () => {
    const first = tableFromColumns({ id: Int32Array.from({ length: 5 }, (_, i) => i), y: new Float32Array(5) });
    const values = new Float32Array(5);
    values[3] = Number.NEGATIVE_INFINITY;
    const second = tableFromColumns({ id: new Int32Array(5), y: values });
    const bytes = createArrowCodec({ rejectNonFinite: false }).encode(first.concat(second));
    const error = decodeError(() => codec.decode(bytes, context));
    expect(error.code).toBe('NONFINITE');
    expect(error.message).toContain('batches/1@9000');
    expect(error.message).toContain('column "y" row 8 is -Infinity');
  });

  it('ignores whatever a null float cell stores', () => {
    const data = makeData({ type: new Float64(), length: 2, nullCount: 1, data: new Float64Array([1, Number.NaN]), nullBitmap: new Uint8Array([0b01]) });
    const table = new Table({ x: makeVector(data) });
    const decoded = codec.decode(Buffer.from(tableToIPC(table, 'stream')), context);
    expect(decoded.getChild('x')?.get(1)).toBeNull();
  });

  it('finds a lone non-finite cell at any row, in the scan’s steps of eight and in the rows after them', () => {
    // The extremes of the finite doubles and floats, so that only the planted cell is non-finite.
    const types = [
      { make: (n: number) => new Float64Array(n), finite: [Number.MAX_VALUE, -Number.MAX_VALUE, Number.MIN_VALUE, -0, 1] },
      { make: (n: number) => new Float32Array(n), finite: [3.4e38, -3.4e38, 1e-45, -0, 1] },
    ];
    for (const { make, finite } of types) {
      for (const length of [1, 7, 8, 9, 16, 23]) {
        const clean = make(length);
        for (let row = 0; row < length; row++) clean[row] = finite[row % finite.length];
        expect(findNonFinite(tableFromColumns({ x: clean }))).toBeUndefined();
        for (let row = 0; row < length; row++) {
          for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
            const values = clean.slice();
            values[row] = bad;
            expect(findNonFinite(tableFromColumns({ x: values }))).toBe(`column "x" row ${row} is ${bad}`);
          }
        }
      }
    }
  });

  it('skips a null NaN cell and names the non-finite one after it', () => {
    const values = new Float64Array(12).fill(1);
    values[2] = Number.NaN;
    values[10] = Number.POSITIVE_INFINITY;
    const data = makeData({ type: new Float64(), length: 12, nullCount: 1, data: values, nullBitmap: new Uint8Array([0b11111011, 0b1111]) });
    expect(findNonFinite(new Table({ x: makeVector(data) }))).toBe('column "x" row 10 is Infinity');
  });

  it('finds non-finite half floats by their exponent bits', () => {
    const data = makeData({ type: new Float16(), length: 3, data: new Uint16Array([0x3c00, 0x7bff, 0xfe00]) });
    const bytes = Buffer.from(tableToIPC(new Table({ h: makeVector(data) }), 'stream'));
    expect(() => codec.decode(bytes, context)).toThrow('column "h" row 2 is a non-finite half float');
  });

  it('refuses to encode a non-finite float unless allowed', () => {
    const table = tableFromColumns({ x: new Float64Array([0, Number.NaN]) });
    expect(() => codec.encode(table)).toThrow(NonFiniteError);
    expect(() => codec.encode(table)).toThrow('column "x" row 1 is NaN');
  });
});

describe('createArrowCodec: release', () => {
  /** The message as Kafka hands it out: off an 8-byte boundary, so that decoding copies its body. */
  function misaligned(bytes: Buffer): Buffer {
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    return shifted.subarray(3);
  }
  const message = (seed: number) =>
    misaligned(createArrowCodec().encode(tableFromColumns({ x: Float64Array.from({ length: 50 }, (_, i) => seed * 1000 + i) })));
  const record = (bytes: Buffer | null, value: Table): DecodedRecord<Table> => ({
    ...context,
    key: null,
    timestamp: 0,
    headers: {},
    value,
    ...(bytes === null ? {} : { raw: { key: null, value: bytes, headers: {} } }),
  });
  const cells = (table: Table) => Array.from(numericColumn(table, 'x'));

  it('reuses a released table’s body for the next message, and the record reads its own cells again', () => {
    const codec = createArrowCodec();
    const first = record(message(1), codec.decode(message(1), context));
    const firstCells = cells(first.value);
    const firstBody = numericColumn(first.value, 'x').buffer;
    codec.release!(first);

    const second = codec.decode(message(2), context);
    expect(numericColumn(second, 'x').buffer).toBe(firstBody);
    expect(cells(second)).toEqual(Array.from({ length: 50 }, (_, i) => 2000 + i));
    // Read after the reuse: decoded again from its bytes, onto memory of its own.
    expect(numericColumn(first.value, 'x').buffer).not.toBe(firstBody);
    expect(cells(first.value)).toEqual(firstCells);
    expect(first.value).toBe(first.value);
    expect(Object.keys(first)).toContain('value');
  });

  it('never hands out the body of a table that was not released', () => {
    const codec = createArrowCodec();
    const kept = codec.decode(message(1), context);
    const released = record(message(3), codec.decode(message(3), context));
    codec.release!(released);
    const bodies = [3, 4, 5].map((seed) => numericColumn(codec.decode(message(seed), context), 'x').buffer);
    expect(bodies).not.toContain(numericColumn(kept, 'x').buffer);
    expect(cells(kept)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i));
  });

  it('keeps the table of a record without its bytes (it could not be made again), and releases a record once', () => {
    const codec = createArrowCodec();
    const bare = record(null, codec.decode(message(1), context));
    const table = bare.value;
    codec.release!(bare);
    expect(bare.value).toBe(table);
    expect(numericColumn(codec.decode(message(2), context), 'x').buffer).not.toBe(numericColumn(table, 'x').buffer);

    const once = record(message(5), codec.decode(message(5), context));
    const body = numericColumn(once.value, 'x').buffer;
    codec.release!(once);
    codec.release!(once);
    const next = [6, 7].map((seed) => numericColumn(codec.decode(message(seed), context), 'x').buffer);
    expect(next.filter((buffer) => buffer === body)).toHaveLength(1);
    expect(cells(once.value)).toEqual(Array.from({ length: 50 }, (_, i) => 5000 + i));
    codec.release!(once);
    expect(numericColumn(codec.decode(message(8), context), 'x').buffer).not.toBe(numericColumn(once.value, 'x').buffer);
  });

  it('releases nothing for an aligned message (its columns are views on the message itself)', () => {
    const codec = createArrowCodec();
    const bytes = codec.encode(tableFromColumns({ x: new Float64Array([1, 2, 3]) }));
    const aligned = record(bytes, codec.decode(bytes, context));
    const table = aligned.value;
    codec.release!(aligned);
    expect(aligned.value).toBe(table);
  });
});

describe('tableFromColumns', () => {
  it('wraps typed arrays without copying and makes strings Utf8', () => {
    const x = new Float64Array([1, 2]);
    const table = tableFromColumns({ x, s: ['a', 'b'] });
    expect(numericColumn(table, 'x').buffer).toBe(x.buffer);
    expect(String(table.getChild('s')?.type)).toBe('Utf8');
  });

  it('rejects no columns and columns of different lengths', () => {
    expect(() => tableFromColumns({})).toThrow(ConfigError);
    expect(() => tableFromColumns({ a: new Int32Array(2), b: ['x'] })).toThrow('"b" has 1 rows');
  });
});

describe('numericColumn', () => {
  const table = new Table({
    label: vectorFromArray(['a', 'b']),
    maybe: vectorFromArray([1, null], new Float64()),
    big: makeVector(new BigInt64Array([1n, 2n])),
  });

  it.each([
    ['missing', 'nope', 'has no column "nope" (columns: label, maybe, big)'],
    ['string', 'label', 'is Dictionary<Int32, Utf8>'],
    ['64-bit integer', 'big', 'is Int64'],
    ['with nulls', 'maybe', 'has 1 null cells'],
  ])('rejects a %s column (SCHEMA)', (_what, name, message) => {
    const error = decodeError(() => numericColumn(table, name));
    expect(error.code).toBe('SCHEMA');
    expect(error.message).toContain(message);
  });

  it('concatenates a column spread over several record batches', () => {
    const a = tableFromColumns({ x: new Int32Array([1, 2]) });
    const b = tableFromColumns({ x: new Int32Array([3]) });
    expect(Array.from(numericColumn(a.concat(b), 'x'))).toEqual([1, 2, 3]);
  });
});
