/** Feature vectors as stages emit them; the vector types themselves are the estimator contract's. */

import type { DenseVector, SparseVector } from '../learners/estimator';

/** A sparse vector that also knows its dimension, as every stage emitting sparse output produces. */
export interface SizedSparseVector extends SparseVector {
  readonly size: number;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export function isSparseVector(value: unknown): value is SparseVector {
  if (typeof value !== 'object' || value === null) return false;
  const { indices, values } = value as Partial<SparseVector>;
  return (
    (indices instanceof Int32Array || indices instanceof Uint32Array) &&
    (values instanceof Float64Array || values instanceof Float32Array) &&
    indices.length === values.length
  );
}

export function isDenseVector(value: unknown): value is DenseVector {
  return value instanceof Float64Array || value instanceof Float32Array;
}
