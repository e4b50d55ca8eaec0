import { CheckpointError } from '../errors';
import type { TypedArray } from '../state';

/**
 * Sparse storage of one payload array: the positions and values of its non-zero entries. Hashed models
 * are mostly zeros: ctr-logistic's FTRL over 2^19 float32 weights touched 181 of 524,289 entries after
 * 100k events, so its three arrays fall from 6.3 MB dense to a few KB. "Zero" means all bits zero: a
 * negative zero is kept as an entry, so that a densified array equals the original bit for bit.
 */
export interface SparseEntries {
  /** Strictly increasing positions in the dense array. */
  indices: Uint32Array;
  /** The values at those positions, in the array's own dtype. */
  values: TypedArray;
}

/** Arrays shorter than this stay dense: the saving is a few bytes and dense rows are simpler to read. */
export const SPARSE_MIN_LENGTH = 1024;
/** Bytes of one stored index (uint32). */
const INDEX_BYTES = 4;

const isStored = (value: number): boolean => value !== 0 || 1 / value < 0;

/**
 * The array's non-zero entries when storing them sparse (index + value) takes at most half the dense
 * bytes, else undefined. The half keeps a model near the break-even point from flipping encodings on
 * every version, and a sparse row is only worth a reader's extra step when it saves that much.
 */
export function sparseEntries(array: TypedArray): SparseEntries | undefined {
  if (array.length < SPARSE_MIN_LENGTH) return undefined;
  const valueBytes = array.BYTES_PER_ELEMENT;
  const budget = Math.floor((array.length * valueBytes) / 2 / (valueBytes + INDEX_BYTES));
  let count = 0;
  for (let i = 0; i < array.length; i++) if (isStored(array[i]) && ++count > budget) return undefined;
  const indices = new Uint32Array(count);
  const values = new (array.constructor as new (length: number) => TypedArray)(count);
  for (let i = 0, k = 0; i < array.length; i++) {
    if (!isStored(array[i])) continue;
    indices[k] = i;
    values[k++] = array[i];
  }
  return { indices, values };
}

/** The dense array of `length` entries that `entries` describe; refuses indices out of order or range. */
export function densify(name: string, length: number, { indices, values }: SparseEntries): TypedArray {
  if (indices.length !== values.length) {
    throw new CheckpointError(`checkpoint payload: sparse array "${name}" has ${indices.length} indices but ${values.length} values`);
  }
  const dense = new (values.constructor as new (length: number) => TypedArray)(length);
  let previous = -1;
  for (let k = 0; k < indices.length; k++) {
    const at = indices[k];
    if (at <= previous || at >= length) {
      throw new CheckpointError(`checkpoint payload: sparse array "${name}" has index ${at} at entry ${k} (length ${length}, previous index ${previous})`);
    }
    dense[at] = values[k];
    previous = at;
  }
  return dense;
}
