/**
 * The Arrow codec's one-batch fast path gives `tableFromIPC`'s table (types, values, nulls) with the schema
 * parsed once per run of messages, and declines every other layout, which then takes `tableFromIPC`.
 */
import {
  Bool,
  Dictionary,
  Float16,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  RecordBatch,
  Table,
  Uint16,
  Uint8,
  Utf8,
  makeVector,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from 'apache-arrow';
import { createSchemaCache, decodeOneBatch } from '../../../connectors/codecs/arrow-decode';
import { createArrowCodec, tableFromColumns } from '../../../connectors/codecs/arrow';

const ipc = (table: Table) => Buffer.from(tableToIPC(table, 'stream'));

/** A table's content in comparable form: schema, and each column's cells and validity. */
function contents(table: Table) {
  const columns = table.schema.fields.map((field, i) => {
    const column = table.getChildAt(i) as Vector;
    return [field.name, String(field.type), field.nullable, column.nullCount, Array.from(column, (cell) => (typeof cell === 'bigint' ? `${cell}n` : cell))];
  });
  return { rows: table.numRows, batches: table.batches.length, columns };
}

function mixed(rows: number, from = 0): Table {
  const index = Array.from({ length: rows }, (_, i) => from + i);
  return new Table({
    f64: makeVector(Float64Array.from(index, (i) => Math.sin(i) * 1e3)),
    i32: makeVector(Int32Array.from(index, (i) => i * 7 - 50)),
    nullable: vectorFromArray(
      index.map((i) => (i % 3 === 0 ? null : i / 4)),
      new Float64(),
    ),
    flag: vectorFromArray(
      index.map((i) => i % 2 === 0),
      new Bool(),
    ),
    text: vectorFromArray(
      index.map((i) => `row ${i}`),
      new Utf8(),
    ),
    big: vectorFromArray(
      index.map((i) => BigInt(i) * 3n),
      new Int64(),
    ),
    half: vectorFromArray(
      index.map((i) => i / 8),
      new Float16(),
    ),
  });
}

describe('decodeOneBatch', () => {
  it('gives tableFromIPC’s table for one-batch messages, aligned or not, parsing a repeated schema once', () => {
    const cache = createSchemaCache();
    const first = ipc(mixed(100));
    const second = ipc(mixed(37, 100));
    const shifted = Buffer.alloc(second.length + 5);
    second.copy(shifted, 5);
    const tables = [first, second, shifted.subarray(5)].map((bytes) => decodeOneBatch(bytes, cache));
    expect(tables.every((table) => table !== undefined)).toBe(true);
    expect(contents(tables[0]!)).toEqual(contents(tableFromIPC(first)));
    expect(contents(tables[1]!)).toEqual(contents(tableFromIPC(second)));
    expect(contents(tables[2]!)).toEqual(contents(tableFromIPC(second)));
    expect(tables[1]!.schema).toBe(tables[0]!.schema);
    // Batches after the first of a schema skip apache-arrow's constructor: they must behave as its batches do.
    const reference = tableFromIPC(second).batches[0];
    const batch = tables[2]!.batches[0];
    expect(batch).toBeInstanceOf(RecordBatch);
    expect([batch.schema, batch.metadata, batch.numRows, batch.numCols]).toEqual([reference.schema, reference.metadata, reference.numRows, reference.numCols]);
    expect(contents(new Table(batch.slice(3, 9)))).toEqual(contents(new Table(reference.slice(3, 9))));
    expect(contents(new Table(batch.select(['f64', 'text'])))).toEqual(contents(new Table(reference.select(['f64', 'text']))));
  });

  it('reads a repeated record batch header once, and each message its own body', () => {
    const cache = createSchemaCache();
    // Texts of one length and nulls at the same rows (every third from the first), so the buffers lie alike.
    const a = ipc(mixed(50, 1050));
    const b = ipc(mixed(50, 1200));
    const shorter = ipc(mixed(49, 7));
    const first = decodeOneBatch(a, cache)!;
    const header = cache.header;
    const second = decodeOneBatch(b, cache)!;
    // The same header bytes (same rows, same buffer layout), so the same header; the cells are b's.
    expect(cache.header).toBe(header);
    expect(contents(second)).toEqual(contents(tableFromIPC(b)));
    expect(contents(first)).toEqual(contents(tableFromIPC(a)));
    expect(second.batches[0].metadata).not.toBe(first.batches[0].metadata);
    // Another layout reads its own header; a cached header never vouches for a body cut short.
    expect(contents(decodeOneBatch(shorter, cache)!)).toEqual(contents(tableFromIPC(shorter)));
    expect(cache.header).not.toBe(header);
    expect(decodeOneBatch(shorter.subarray(0, shorter.length - 24), cache)).toBeUndefined();
    expect(contents(decodeOneBatch(a, cache)!)).toEqual(contents(tableFromIPC(a)));
  });

  it('makes the columns of integers and floats without nulls directly, as VectorLoader does, aligned or not', () => {
    const rows = 64;
    const index = Array.from({ length: rows }, (_, i) => i);
    const numbers = new Table({
      f64: makeVector(Float64Array.from(index, (i) => Math.cos(i) * 1e6)),
      f32: makeVector(Float32Array.from(index, (i) => i / 3)),
      half: vectorFromArray(
        index.map((i) => i / 8),
        new Float16(),
      ),
      i8: vectorFromArray(
        index.map((i) => (i % 200) - 100),
        new Int8(),
      ),
      i16: vectorFromArray(
        index.map((i) => i * 300 - 9000),
        new Int16(),
      ),
      i32: makeVector(Int32Array.from(index, (i) => i * 7 - 50)),
      big: vectorFromArray(
        index.map((i) => BigInt(i) * -3n),
        new Int64(),
      ),
      u8: vectorFromArray(
        index.map((i) => i % 256),
        new Uint8(),
      ),
      u16: vectorFromArray(
        index.map((i) => i * 1000),
        new Uint16(),
      ),
    });
    const bytes = ipc(numbers);
    const shifted = Buffer.alloc(bytes.length + 3);
    bytes.copy(shifted, 3);
    const cache = createSchemaCache();
    for (const message of [bytes, shifted.subarray(3)]) {
      const table = decodeOneBatch(message, cache)!;
      expect(cache.header?.batch.plan).toHaveLength(9);
      const reference = tableFromIPC(message);
      expect(contents(table)).toEqual(contents(reference));
      // Column by column, the Data VectorLoader makes: type, length, nulls, the values' array type and cells.
      table.batches[0].data.children.forEach((data, c) => {
        const expected = reference.batches[0].data.children[c];
        expect([String(data.type), data.offset, data.length, data.nullCount, data.nullBitmap?.length]).toEqual([
          String(expected.type),
          expected.offset,
          expected.length,
          expected.nullCount,
          expected.nullBitmap?.length,
        ]);
        expect(data.values.constructor).toBe(expected.values.constructor);
        expect(Array.from(data.values as ArrayLike<unknown>)).toEqual(Array.from(expected.values as ArrayLike<unknown>));
      });
      // Written back, the table is the message it came from.
      expect(Buffer.from(tableToIPC(table, 'stream')).equals(bytes)).toBe(true);
    }
  });

  it('leaves a body with nulls or other types to VectorLoader', () => {
    const cache = createSchemaCache();
    const withNulls = ipc(new Table({ x: vectorFromArray([1, null, 3], new Float64()) }));
    expect(contents(decodeOneBatch(withNulls, cache)!)).toEqual(contents(tableFromIPC(withNulls)));
    expect(cache.header?.batch.plan).toBeNull();
    const withText = ipc(mixed(20).select(['f64', 'text']));
    expect(contents(decodeOneBatch(withText, cache)!)).toEqual(contents(tableFromIPC(withText)));
    expect(cache.header?.batch.plan).toBeNull();
  });

  it('follows a change of schema, and gives an empty batch its zero rows', () => {
    const cache = createSchemaCache();
    const a = decodeOneBatch(ipc(tableFromColumns({ x: new Float64Array([1, 2]) })), cache)!;
    const b = decodeOneBatch(ipc(tableFromColumns({ y: new Int32Array([3]) })), cache)!;
    expect([a.schema.names, b.schema.names, Array.from(b.getChild('y')!)]).toEqual([['x'], ['y'], [3]]);
    const empty = ipc(tableFromColumns({ y: new Int32Array(0) }));
    expect(contents(decodeOneBatch(empty, cache)!)).toEqual(contents(tableFromIPC(empty)));
  });

  it('declines what is not one plain batch: several batches, dictionaries, no batch, trailing or truncated bytes, garbage', () => {
    const cache = createSchemaCache();
    const twoBatches = ipc(mixed(10).concat(mixed(5, 10)));
    const dictionary = ipc(
      new Table({
        d: vectorFromArray(['a', 'b', 'a'], new Dictionary(new Utf8(), new Int32())),
      }),
    );
    const plain = ipc(tableFromColumns({ x: new Float64Array([1, 2, 3]) }));
    const noBatch = ipc(new Table({ x: makeVector(new Float64Array(0)) }).slice(0, 0));
    const cases = [twoBatches, dictionary, Buffer.concat([plain, Buffer.alloc(8, 1)]), plain.subarray(0, plain.length - 20), Buffer.from('not arrow at all')];
    expect(cases.map((bytes) => decodeOneBatch(bytes, cache))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(decodeOneBatch(noBatch, cache) === undefined || decodeOneBatch(noBatch, cache)!.numRows === 0).toBe(true);
  });

  it('leaves the codec’s results as they were: two batches and dictionaries still decode through tableFromIPC', () => {
    const codec = createArrowCodec();
    const context = { topic: 't', partition: 0, offset: '1' };
    const twoBatches = ipc(mixed(10).concat(mixed(5, 10)));
    expect(contents(codec.decode(twoBatches, context))).toEqual(contents(tableFromIPC(twoBatches)));
    const plain = ipc(mixed(20));
    expect(contents(codec.decode(plain, context))).toEqual(contents(tableFromIPC(plain)));
  });
});
