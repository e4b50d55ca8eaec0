/** The hashing trick's output space: hashed entries of one row, compacted into a sparse vector. */

import { DecodeError } from '../errors';
import type { StageOutput } from './stage';
import type { SizedSparseVector } from './vector';

// Sort keys pack (index, position) into one float64: index < 2^31 and position < 2^22 fit in 53 bits,
// so a native numeric sort orders entries without a comparator.
const POSITION_SLOTS = 2 ** 22;

/** The most entries one row may carry: more would overflow the sort keys. */
const MAX_SPARSE_ENTRIES = POSITION_SLOTS;

const INSERTION_SORT_MAX = 64;

/**
 * Short rows (categorical events: a dozen entries) are sorted in place by a stable insertion sort of the
 * (index, value) pairs themselves: equal indices keep the order they were added in, so duplicates are summed
 * in the same order as the keyed path sums them, bit for bit. It skips the float sort keys and their
 * divisions (ctr-logistic's feature stages: see docs/performance.md, Stop 19). `entries` is scratch: the
 * next row overwrites it.
 */
function sortPairsInPlace(entries: Entries, count: number): void {
  const { indices, values } = entries;
  for (let p = 1; p < count; p++) {
    const index = indices[p];
    const value = values[p];
    let q = p - 1;
    while (q >= 0 && indices[q] > index) {
      indices[q + 1] = indices[q];
      values[q + 1] = values[q--];
    }
    indices[q + 1] = index;
    values[q + 1] = value;
  }
}

/** Sums runs of equal indices of sorted pairs into `out` from `at` (indices plus `offset`), dropping zero sums; returns the count written. */
function sumSortedRuns(entries: Entries, count: number, out: Entries, at: number, offset: number): number {
  const { indices, values } = entries;
  let written = 0;
  let p = 0;
  while (p < count) {
    const index = indices[p];
    let sum = 0;
    while (p < count && indices[p] === index) sum += values[p++];
    if (sum !== 0) {
      out.indices[at + written] = index + offset;
      out.values[at + written] = sum;
      written++;
    }
  }
  return written;
}

/**
 * Sorts the first `count` (index, value) pairs by index, sums duplicates (hash collisions) and drops the
 * zeros that opposite signs leave, writing the result into `out` from `at`, each index plus `offset` (room
 * for `count` entries from there), and returning how many it wrote. `keys` is scratch of at least `count` slots. `where` names the producer in the error a
 * row with more than `MAX_SPARSE_ENTRIES` entries raises.
 */
function compactInto(where: string, entries: Entries, count: number, keys: Float64Array, out: Entries, at: number, offset: number): number {
  if (count > MAX_SPARSE_ENTRIES) {
    throw new DecodeError('OVERSIZE', `${where}: ${count} sparse entries in one row, more than ${MAX_SPARSE_ENTRIES}`);
  }
  if (count <= INSERTION_SORT_MAX) {
    sortPairsInPlace(entries, count);
    return sumSortedRuns(entries, count, out, at, offset);
  }
  const { indices, values } = entries;
  for (let p = 0; p < count; p++) keys[p] = indices[p] * POSITION_SLOTS + p;
  // Long rows (text): the native sort of a view; keys are unique, so any sort gives the same order.
  keys.subarray(0, count).sort();
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
      out.indices[at + written] = index + offset;
      out.values[at + written] = sum;
      written++;
    }
  }
  return written;
}

interface Entries {
  indices: Int32Array;
  values: Float64Array;
}

/**
 * Where hashed entries go: a hashed space, or a list that replays them into several (HashedCrosses). A
 * sink reads a hash's 32 bits only, so a hash may come as its unsigned value or as the same bits in an int32
 * (which, unlike an unsigned value above 2^31, is passed on without a heap number).
 */
export interface HashSink {
  add(hash: number, value: number): void;
}

export interface HashedSpace extends HashSink {
  readonly size: number;
  /** Starts a new row. */
  clear(): void;
  /** Adds `value` at the slot the hash's low bits pick; when signed, the hash's top bit flips the sign. */
  add(hash: number, value: number): void;
  /** The row's entries, indices ascending and unique (collisions summed), in new arrays. */
  build(): SizedSparseVector;
  /** The same entries, written into `out`'s reused buffers (the fused path: no allocation). */
  buildInto(out: StageOutput): SizedSparseVector;
  /** Entries the row holds before compaction: room enough for what `compactTo` writes. */
  entryCount(): number;
  /**
   * The same entries written into `out`'s indices and values from position `at`, each index plus `offset` (a
   * slice of a wider vector: HashedCrosses writes its spaces one after the other); returns the position
   * after. The caller's pair of arrays, not two arrays: an object made per call was 80 bytes per ctr event.
   */
  compactTo(out: { indices: Int32Array; values: Float64Array }, at: number, offset: number): number;
}

/** `where` names the stage in errors; bits <= 30 keeps the sign bit apart from the slot bits. */
export function createHashedSpace(where: string, bits: number, signed: boolean): HashedSpace {
  const size = 2 ** bits;
  const mask = size - 1;
  const entries: Entries = { indices: new Int32Array(64), values: new Float64Array(64) };
  let keys = new Float64Array(64);
  let compacted: Entries = { indices: new Int32Array(64), values: new Float64Array(64) };
  let count = 0;
  /** Compacts into `out` (room for `count` entries); returns the number of entries. */
  const compact = (out: Entries, at: number, offset: number): number => {
    if (keys.length < count) keys = new Float64Array(entries.indices.length);
    return compactInto(where, entries, count, keys, out, at, offset);
  };
  return {
    size,
    clear(): void {
      count = 0;
    },
    add(hash: number, value: number): void {
      if (count === entries.indices.length) {
        const grownIndices = new Int32Array(count * 2);
        grownIndices.set(entries.indices);
        entries.indices = grownIndices;
        const grownValues = new Float64Array(count * 2);
        grownValues.set(entries.values);
        entries.values = grownValues;
      }
      entries.indices[count] = hash & mask;
      entries.values[count++] = signed && hash >>> 31 === 1 ? -value : value;
    },
    build(): SizedSparseVector {
      if (compacted.indices.length < count) compacted = { indices: new Int32Array(entries.indices.length), values: new Float64Array(entries.indices.length) };
      const written = compact(compacted, 0, 0);
      // Two exact-size copies: the only arrays the row form allocates (it made five before the fused pass).
      return { size, indices: compacted.indices.slice(0, written), values: compacted.values.slice(0, written) };
    },
    buildInto(out: StageOutput): SizedSparseVector {
      return out.sparseVector(size, compact(out.sparse(count), 0, 0));
    },
    entryCount(): number {
      return count;
    },
    compactTo(out: Entries, at: number, offset: number): number {
      return at + compact(out, at, offset);
    },
  };
}
