import { DataType, Precision, Table, Utf8, makeVector, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import { ConfigError, DecodeError, errorMessage } from '../../src/errors';
import type { Codec, DecodeContext, DecodedRecord } from '../types';
import { createSchemaCache, decodeOneBatch } from './arrow-decode';
import { BodyPool } from './body-pool';
import { decodeFailure, encodeFailure } from './decode-failure';

export interface ArrowCodecOptions {
  /** Reject tables with NaN or ±Infinity in a (non-null) float cell (NONFINITE). Default true. */
  rejectNonFinite?: boolean;
}

/** Column inputs for `tableFromColumns`; typed arrays are wrapped without copying. */
export type ColumnValues = Float64Array | Float32Array | Int32Array | readonly string[];

/** What `numericColumn` returns: the typed arrays Arrow stores 32- and 64-bit numbers in. */
export type NumericArray = Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;

/** Float16 cells are stored as raw bits: all exponent bits set means ±Infinity or NaN. */
const HALF_EXPONENT = 0x7c00;

/** The first row at or after `from` holding NaN or ±Infinity, or -1. Kept tight: it runs over every float cell. */
function nextNonFinite(values: ArrayLike<number>, length: number, precision: Precision, from: number): number {
  if (precision === Precision.HALF) {
    for (let row = from; row < length; row++) if ((values[row] & HALF_EXPONENT) === HALF_EXPONENT) return row;
  } else {
    for (let row = from; row < length; row++) if (!Number.isFinite(values[row])) return row;
  }
  return -1;
}

/**
 * Whether every cell of `values[0, length)` (32- or 64-bit floats) is finite, without a branch per cell: `x - x` is
 * +0 for a finite x and NaN otherwise, summed into eight independent sums (one sum would chain every addition).
 * Measured on the bench's misaligned 1,000-row, 11-column messages (four alternations with main's build, best of
 * 7 × 10,000 calls, 2 cores under load): `findNonFinite` 14–16 → 10–12 µs a message (1.6% of the Arrow trainer's profile).
 */
function allFiniteCells(values: ArrayLike<number>, length: number): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let s4 = 0;
  let s5 = 0;
  let s6 = 0;
  let s7 = 0;
  let row = 0;
  for (; row + 8 <= length; row += 8) {
    s0 += values[row] - values[row];
    s1 += values[row + 1] - values[row + 1];
    s2 += values[row + 2] - values[row + 2];
    s3 += values[row + 3] - values[row + 3];
    s4 += values[row + 4] - values[row + 4];
    s5 += values[row + 5] - values[row + 5];
    s6 += values[row + 6] - values[row + 6];
    s7 += values[row + 7] - values[row + 7];
  }
  for (; row < length; row++) s0 += values[row] - values[row];
  return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7 === 0;
}

/**
 * Names the first NaN or ±Infinity in a top-level float column, by column and row, or returns undefined.
 * Null cells are skipped: their storage may hold anything.
 */
export function findNonFinite(table: Table): string | undefined {
  for (const [index, field] of table.schema.fields.entries()) {
    if (!DataType.isFloat(field.type)) continue;
    const precision = field.type.precision;
    let rowOffset = 0;
    // The column's chunks straight from the batches: `getChildAt` makes a Vector per call (per column and message).
    for (const { data: batch } of table.batches) {
      const data = batch.children[index];
      const values = data.values as ArrayLike<number>;
      // The common chunk, all finite, in one pass; a chunk with a non-finite cell is searched for it (and its nulls).
      if (precision !== Precision.HALF && allFiniteCells(values, data.length)) {
        rowOffset += data.length;
        continue;
      }
      for (let row = nextNonFinite(values, data.length, precision, 0); row >= 0; row = nextNonFinite(values, data.length, precision, row + 1)) {
        if (data.nullCount > 0 && !data.getValid(row)) continue;
        const cell = precision === Precision.HALF ? 'a non-finite half float' : String(values[row]);
        return `column ${JSON.stringify(field.name)} row ${rowOffset + row} is ${cell}`;
      }
      rowOffset += data.length;
    }
  }
  return undefined;
}

/**
 * Arrow IPC stream format, one record batch (many rows) per message. Values stay columnar: decoding wraps
 * the message's buffers (copying a column only when its buffer is misaligned), it never builds row objects.
 * The copies of misaligned bodies come from a `BodyPool` and are reused once `release` takes them back.
 */
export function createArrowCodec({ rejectNonFinite = true }: ArrowCodecOptions = {}): Codec<Table> {
  const schemas = createSchemaCache();
  const bodies = new BodyPool();
  function decodeTable(bytes: Buffer, context: DecodeContext, pool: BodyPool | undefined): Table {
    let table: Table;
    try {
      table = decodeOneBatch(bytes, schemas, pool) ?? tableFromIPC(bytes);
    } catch (err) {
      throw decodeFailure('arrow', 'MALFORMED', context, `not an Arrow IPC stream: ${errorMessage(err)}`, err);
    }
    // tableFromIPC returns an empty table, without error, for bytes that hold no schema message at all.
    if (table.schema.fields.length === 0) throw decodeFailure('arrow', 'MALFORMED', context, 'no Arrow schema (empty, or not an IPC stream)');
    const found = rejectNonFinite ? findNonFinite(table) : undefined;
    if (found) throw decodeFailure('arrow', 'NONFINITE', context, found);
    return table;
  }
  return {
    name: 'arrow',
    encode(table) {
      const found = rejectNonFinite ? findNonFinite(table) : undefined;
      if (found) throw encodeFailure('arrow', 'NONFINITE', found);
      const ipc = tableToIPC(table, 'stream');
      return Buffer.from(ipc.buffer, ipc.byteOffset, ipc.byteLength);
    },
    decode: (bytes, context) => decodeTable(bytes, context, bodies),
    release(record) {
      const table = ownValue(record);
      const bytes = record.raw?.value;
      // Without its bytes the table could not be made again: it keeps its copy.
      if (table === undefined || bytes == null || !bodies.giveBack(table)) return;
      const { topic, partition, offset } = record;
      // Decoded again, onto copies of its own (never given back), only if something reads it: a rollback's replay
      // of the journal, a subscriber of the run's steps. The bytes decoded once, so they decode again, to the same cells.
      const readAgain = (value: Table) => Object.defineProperty(record, 'value', { value, writable: true, enumerable: true, configurable: true });
      Object.defineProperty(record, 'value', {
        enumerable: true,
        configurable: true,
        get: () => readAgain(decodeTable(bytes, { topic, partition, offset }, undefined)).value,
        set: readAgain,
      });
    },
  };
}

/** The table a record holds as its own data property (not one a `release`d record decodes again when read). */
function ownValue(record: DecodedRecord<Table>): Table | undefined {
  const value = Object.getOwnPropertyDescriptor(record, 'value')?.value as unknown;
  return value instanceof Table ? value : undefined;
}

/** Builds a table from equally long named columns: typed arrays without copying, strings as Utf8. */
export function tableFromColumns(columns: Readonly<Record<string, ColumnValues>>): Table {
  const entries = Object.entries(columns);
  if (entries.length === 0) throw new ConfigError('tableFromColumns: at least one column is needed');
  const rows = entries[0][1].length;
  const vectors: Record<string, Vector> = {};
  for (const [name, values] of entries) {
    if (values.length !== rows)
      throw new ConfigError(`tableFromColumns: column ${JSON.stringify(name)} has ${values.length} rows, ${JSON.stringify(entries[0][0])} has ${rows}`);
    vectors[name] = ArrayBuffer.isView(values) ? makeVector(values) : vectorFromArray(values, new Utf8());
  }
  return new Table(vectors);
}

function isNumericType(type: DataType): boolean {
  if (DataType.isInt(type)) return type.bitWidth <= 32;
  return DataType.isFloat(type) && type.precision !== Precision.HALF;
}

/**
 * What `numericColumn` returns, or undefined where it would throw (a missing, non-numeric or nullable-with-nulls
 * column): for the runtime's column path, which then reads that table's rows as objects instead.
 */
export function numericColumnIfClean(table: Table, name: string): NumericArray | undefined {
  const column = numericStorage(table, name);
  return column === undefined || column.nulls !== null ? undefined : column.values;
}

/**
 * A numeric column's stored values and, when it has null cells, the column itself to ask `isValid(row)`:
 * the value stored under a null cell is whatever the writer left there. Undefined for a missing or
 * non-numeric column.
 */
export function numericStorage(table: Table, name: string): { values: NumericArray; nulls: Vector | null } | undefined {
  const index = table.schema.fields.findIndex((field) => field.name === name);
  if (index < 0 || !isNumericType(table.schema.fields[index].type)) return undefined;
  // One record batch without nulls (a message of the codec): `toArray`'s view of the chunk, without the Vector
  // `getChild` makes per call (the Vectors were ~5% of the Arrow step's garbage).
  const chunk = table.batches.length === 1 ? table.batches[0].data.children[index] : undefined;
  if (chunk !== undefined && chunk.nullCount === 0) return { values: (chunk.values as NumericArray).subarray(0, chunk.length), nulls: null };
  const column = table.getChildAt(index);
  if (column === null || !isNumericType(column.type)) return undefined;
  return { values: column.toArray() as NumericArray, nulls: column.nullCount > 0 ? column : null };
}

/**
 * A numeric column's values as a typed array: a view on the table's memory when the column is one chunk,
 * a copy when it spans several batches. Throws a SCHEMA `DecodeError` for a missing, non-numeric
 * (including 64-bit integer and half float) or nullable-with-nulls column, whose storage would mislead.
 */
export function numericColumn(table: Table, name: string): NumericArray {
  const column = table.getChild(name);
  if (column === null) {
    throw new DecodeError('SCHEMA', `arrow table has no column ${JSON.stringify(name)} (columns: ${table.schema.names.join(', ')})`);
  }
  if (!isNumericType(column.type))
    throw new DecodeError('SCHEMA', `arrow column ${JSON.stringify(name)} is ${String(column.type)}, not a 8-32 bit integer or 32/64 bit float`);
  if (column.nullCount > 0) throw new DecodeError('SCHEMA', `arrow column ${JSON.stringify(name)} has ${column.nullCount} null cells`);
  return column.toArray() as NumericArray;
}
