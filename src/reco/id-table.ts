import { CheckpointError } from '../errors';
import type { TypedArray } from '../learners/estimator';

type ColumnType = new (length: number) => Float32Array | Float64Array | Int32Array;

/** A per-row array of the table: `width` values per row, row-major. */
export interface ColumnSpec {
  name: string;
  width: number;
  type: ColumnType;
}

/** Rows are allocated by doubling from this many, never beyond the capacity. */
const INITIAL_ROWS = 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * External ids (users or items) mapped to dense rows of named columns (biases, factors…), at most
 * `capacity` rows: memory is bounded by `capacity × Σ width` numbers plus the ids themselves. Arrays grow
 * by doubling up to the capacity. Once full, a new id takes the row of an id not used recently, chosen by
 * CLOCK (second chance): a bit per row set when an id comes back, a hand that clears set bits and evicts
 * the first clear one. A new id starts with its bit clear, so a flood of one-off ids cycles through the
 * rows that returning ids do not hold. A new id's row is all zeros when `initRow` gets it.
 */
export class IdTable {
  private readonly slots = new Map<string, number>();
  private keys: string[] = [];
  private referenced: Uint8Array;
  private hand = 0;
  private rows: number;
  private readonly columnArrays = new Map<string, TypedArray>();

  constructor(
    readonly capacity: number,
    private readonly columns: readonly ColumnSpec[],
    private readonly initRow: (row: number, key: string) => void,
  ) {
    this.rows = Math.min(capacity, INITIAL_ROWS);
    this.referenced = new Uint8Array(this.rows);
    for (const { name, width, type } of columns) this.columnArrays.set(name, new type(this.rows * width));
  }

  /** Rows in use. */
  get size(): number {
    return this.keys.length;
  }

  /** The column's current array; a new one after the table grows, so fetch it again after `acquire`. */
  column<T extends TypedArray>(name: string): T {
    return this.columnArrays.get(name) as T;
  }

  /** The row of `key`, or -1; changes nothing (predictions do not count as use). */
  rowOf(key: string): number {
    return this.slots.get(key) ?? -1;
  }

  keyAt(row: number): string {
    return this.keys[row];
  }

  /** The row of `key`, marked as used; a new id gets a fresh or evicted row, initialised by `initRow`. */
  acquire(key: string): number {
    const known = this.slots.get(key);
    if (known !== undefined) {
      this.referenced[known] = 1;
      return known;
    }
    const row = this.keys.length < this.capacity ? this.append(key) : this.evictFor(key);
    this.slots.set(key, row);
    this.initRow(row, key);
    return row;
  }

  /** Bytes held by the typed arrays (allocated, not only used). */
  allocatedBytes(): number {
    let bytes = this.referenced.byteLength;
    for (const array of this.columnArrays.values()) bytes += array.byteLength;
    return bytes;
  }

  /** Allocated rows: at most the capacity. */
  allocatedRows(): number {
    return this.rows;
  }

  /**
   * The table as arrays under `prefix`: `ids` (UTF-8 bytes of every id, concatenated) with `idOffsets`
   * (row r's id is bytes [idOffsets[r], idOffsets[r+1])), `referenced` and `clock` (the hand), and each
   * column cut to the rows in use. Row r of every array belongs to the same id.
   */
  exportArrays(prefix: string, arrays: Record<string, TypedArray>): void {
    const { bytes, offsets } = encodeIds(this.keys);
    arrays[`${prefix}ids`] = bytes;
    arrays[`${prefix}idOffsets`] = offsets;
    arrays[`${prefix}referenced`] = this.referenced.slice(0, this.size);
    arrays[`${prefix}clock`] = Int32Array.of(this.hand);
    for (const { name, width } of this.columns) arrays[`${prefix}${name}`] = this.column(name).slice(0, this.size * width);
  }

  /** Restores what `exportArrays` wrote under `prefix` into this empty table; throws `CheckpointError` on a misfit. */
  importArrays(prefix: string, arrays: Record<string, TypedArray>): void {
    const fetch = <T extends TypedArray>(name: string, type: new (n: number) => T): T => {
      const value = arrays[`${prefix}${name}`];
      if (!(value instanceof type)) {
        throw new CheckpointError(
          `state array '${prefix}${name}' is ${value === undefined ? 'missing' : `a ${value.constructor.name}`}, expected a ${type.name}`,
        );
      }
      return value;
    };
    const offsets = fetch('idOffsets', Int32Array);
    const bytes = fetch('ids', Uint8Array);
    const size = offsets.length - 1;
    if (size < 0 || size > this.capacity) throw new CheckpointError(`state array '${prefix}idOffsets' holds ${size} rows, capacity is ${this.capacity}`);
    const keys = decodeIds(prefix, bytes, offsets);
    this.rows = Math.min(this.capacity, Math.max(INITIAL_ROWS, size));
    this.referenced = this.restored(prefix, 'referenced', fetch('referenced', Uint8Array), size, 1, Uint8Array);
    for (const { name, width, type } of this.columns) this.columnArrays.set(name, this.restored(prefix, name, fetch(name, type), size, width, type));
    const hand = fetch('clock', Int32Array);
    if (hand.length !== 1 || hand[0] < 0 || hand[0] >= Math.max(size, 1))
      throw new CheckpointError(`state array '${prefix}clock' must hold one row index below ${size}`);
    this.hand = hand[0];
    this.keys = keys;
    this.slots.clear();
    keys.forEach((key, row) => this.slots.set(key, row));
  }

  private restored<T extends TypedArray>(prefix: string, name: string, value: T, size: number, width: number, type: new (n: number) => T): T {
    if (value.length !== size * width) {
      throw new CheckpointError(`state array '${prefix}${name}' has ${value.length} values, expected ${size} rows × ${width}`);
    }
    const array = new type(this.rows * width);
    (array as Float64Array).set(value as Float64Array);
    return array;
  }

  private append(key: string): number {
    const row = this.keys.length;
    if (row === this.rows) this.grow();
    this.keys.push(key);
    return row;
  }

  private evictFor(key: string): number {
    while (this.referenced[this.hand] === 1) {
      this.referenced[this.hand] = 0;
      this.hand = (this.hand + 1) % this.capacity;
    }
    const row = this.hand;
    this.hand = (this.hand + 1) % this.capacity;
    this.slots.delete(this.keys[row]);
    this.keys[row] = key;
    for (const { name, width } of this.columns) this.column(name).fill(0, row * width, (row + 1) * width);
    return row;
  }

  private grow(): void {
    const rows = Math.min(this.capacity, this.rows * 2);
    const referenced = new Uint8Array(rows);
    referenced.set(this.referenced);
    this.referenced = referenced;
    for (const { name, width, type } of this.columns) {
      const array = new type(rows * width);
      (array as Float64Array).set(this.column<Float64Array>(name));
      this.columnArrays.set(name, array);
    }
    this.rows = rows;
  }
}

/** Every id's UTF-8 bytes, concatenated, with `offsets` (id r is bytes [offsets[r], offsets[r+1])): how a checkpoint holds ids. */
export function encodeIds(ids: readonly string[]): { bytes: Uint8Array; offsets: Int32Array } {
  const encoded = ids.map((id) => encoder.encode(id));
  const offsets = new Int32Array(encoded.length + 1);
  encoded.forEach((bytes, r) => (offsets[r + 1] = offsets[r] + bytes.length));
  const bytes = new Uint8Array(offsets[encoded.length]);
  encoded.forEach((b, r) => bytes.set(b, offsets[r]));
  return { bytes, offsets };
}

/** The ids `encodeIds` wrote under `prefix`; throws `CheckpointError` on offsets out of order, bad UTF-8, an empty or a repeated id. */
export function decodeIds(prefix: string, bytes: Uint8Array, offsets: Int32Array): string[] {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (let r = 0; r + 1 < offsets.length; r++) {
    if (!(offsets[r] <= offsets[r + 1] && offsets[r + 1] <= bytes.length && offsets[0] === 0)) {
      throw new CheckpointError(`state array '${prefix}idOffsets' is not ascending within '${prefix}ids' at row ${r}`);
    }
    let key: string;
    try {
      key = decoder.decode(bytes.subarray(offsets[r], offsets[r + 1]));
    } catch (err) {
      throw new CheckpointError(`state array '${prefix}ids': row ${r} is not UTF-8`, { cause: err });
    }
    if (key.length === 0 || seen.has(key))
      throw new CheckpointError(`state array '${prefix}ids': row ${r} holds ${key ? `the duplicate id "${key}"` : 'an empty id'}`);
    seen.add(key);
    keys.push(key);
  }
  return keys;
}
