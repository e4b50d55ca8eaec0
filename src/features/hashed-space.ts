/** The hashing trick's output space: hashed entries of one row, compacted into a sparse vector. */

import { DecodeError } from '../errors';
import type { SizedSparseVector } from './vector';

// Sort keys pack (index, position) into one float64: index < 2^31 and position < 2^22 fit in 53 bits,
// so a native numeric sort orders entries without a comparator.
const POSITION_SLOTS = 2 ** 22;

/** The most entries one row may carry: more would overflow the sort keys. */
const MAX_SPARSE_ENTRIES = POSITION_SLOTS;

/**
 * Sorts the first `count` (index, value) pairs by index, sums duplicates (hash collisions) and drops the
 * zeros that opposite signs leave, returning fresh arrays. `where` names the producer in the error a row
 * with more than `MAX_SPARSE_ENTRIES` entries raises.
 */
function compactSparse(where: string, size: number, indices: Int32Array, values: Float64Array, count: number): SizedSparseVector {
  if (count > MAX_SPARSE_ENTRIES) {
    throw new DecodeError('OVERSIZE', `${where}: ${count} sparse entries in one row, more than ${MAX_SPARSE_ENTRIES}`);
  }
  const keys = new Float64Array(count);
  for (let p = 0; p < count; p++) keys[p] = indices[p] * POSITION_SLOTS + p;
  keys.sort();
  const outIndices = new Int32Array(count);
  const outValues = new Float64Array(count);
  let written = 0;
  let p = 0;
  while (p < count) {
    const index = Math.floor(keys[p] / POSITION_SLOTS);
    let sum = 0;
    while (p < count && Math.floor(keys[p] / POSITION_SLOTS) === index) {
      sum += values[keys[p] - index * POSITION_SLOTS];
      p++;
    }
    if (sum !== 0) {
      outIndices[written] = index;
      outValues[written] = sum;
      written++;
    }
  }
  return { size, indices: outIndices.slice(0, written), values: outValues.slice(0, written) };
}

export interface HashedSpace {
  readonly size: number;
  /** Starts a new row. */
  clear(): void;
  /** Adds `value` at the slot the hash's low bits pick; when signed, the hash's top bit flips the sign. */
  add(hash: number, value: number): void;
  /** The row's entries, indices ascending and unique (collisions summed). */
  build(): SizedSparseVector;
}

/** `where` names the stage in errors; bits <= 30 keeps the sign bit apart from the slot bits. */
export function createHashedSpace(where: string, bits: number, signed: boolean): HashedSpace {
  const size = 2 ** bits;
  const mask = size - 1;
  let indices = new Int32Array(64);
  let values = new Float64Array(64);
  let count = 0;
  return {
    size,
    clear(): void {
      count = 0;
    },
    add(hash: number, value: number): void {
      if (count === indices.length) {
        const grownIndices = new Int32Array(count * 2);
        grownIndices.set(indices);
        indices = grownIndices;
        const grownValues = new Float64Array(count * 2);
        grownValues.set(values);
        values = grownValues;
      }
      indices[count] = hash & mask;
      values[count++] = signed && hash >>> 31 === 1 ? -value : value;
    },
    build(): SizedSparseVector {
      return compactSparse(where, size, indices, values, count);
    },
  };
}
