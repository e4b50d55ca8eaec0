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

/**
 * The array's 32-bit words, where one is non-zero exactly when its entry's bits are ("zero" keeps -0): an
 * integer test per entry. Float64 entries span two words (`wordsPerEntry` 2).
 */
function wordsOf(array: TypedArray): { words: Uint32Array | Uint16Array | Uint8Array; wordsPerEntry: number } {
  const { buffer, byteOffset, byteLength, BYTES_PER_ELEMENT: size } = array;
  if (size === 8) return { words: new Uint32Array(buffer, byteOffset, byteLength / 4), wordsPerEntry: 2 };
  if (size === 4) return { words: new Uint32Array(buffer, byteOffset, byteLength / 4), wordsPerEntry: 1 };
  if (size === 2) return { words: new Uint16Array(buffer, byteOffset, byteLength / 2), wordsPerEntry: 1 };
  return { words: new Uint8Array(buffer, byteOffset, byteLength), wordsPerEntry: 1 };
}

/** Positions of stored entries, reused from one checkpoint to the next (they are copied out). */
let found = new Uint32Array(1024);

/**
 * The array's non-zero entries when storing them sparse (index + value) takes at most half the dense
 * bytes, else undefined. The half keeps a model near the break-even point from flipping encodings on
 * every version, and a sparse row is only worth a reader's extra step when it saves that much.
 * One pass of integer tests over the array's words: three 2^19 float32 arrays with 200 non-zero entries each
 * (ctr-logistic's) took 5.8 ms with two passes of `value !== 0 || 1 / value < 0`, 1.8 ms now (best of 20,
 * machine loaded); the event loop is held meanwhile, so this is publish latency for whatever else waits.
 */
export function sparseEntries(array: TypedArray): SparseEntries | undefined {
  if (array.length < SPARSE_MIN_LENGTH) return undefined;
  const valueBytes = array.BYTES_PER_ELEMENT;
  const budget = Math.floor((array.length * valueBytes) / 2 / (valueBytes + INDEX_BYTES));
  if (found.length < budget) found = new Uint32Array(Math.max(budget, 2 * found.length));
  const { words, wordsPerEntry } = wordsOf(array);
  let count = 0;
  if (wordsPerEntry === 2) {
    for (let i = 0; i < array.length; i++) {
      if ((words[2 * i] | words[2 * i + 1]) === 0) continue;
      if (count === budget) return undefined;
      found[count++] = i;
    }
  } else {
    for (let i = 0; i < array.length; i++) {
      if (words[i] === 0) continue;
      if (count === budget) return undefined;
      found[count++] = i;
    }
  }
  const indices = found.slice(0, count);
  const values = new (array.constructor as new (length: number) => TypedArray)(count);
  for (let k = 0; k < count; k++) values[k] = array[indices[k]];
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
