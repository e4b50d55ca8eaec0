/** Checks and converts what a NeuralNet is fed; every error names the example (`where`). */

import { DecodeError, NonFiniteError } from '../errors';
import type { FeatureVector } from '../learners/estimator';
import { isSparse } from '../learners/estimator';

export interface InputLayout {
  /** Features per example: the product of the input shape. */
  width: number;
  /** For a net starting with an embedding: its `inputDim`, the features being token ids. */
  vocabulary: number | null;
}

const OWNER = 'NeuralNet';

/**
 * A float32 copy of `x`. Sparse vectors are densified to `width` (a repeated index adds up); for an
 * embedding net every feature must be a token id, an integer in [0, vocabulary).
 */
export function toFeatures(x: FeatureVector, layout: InputLayout, where: string): Float32Array {
  const row = new Float32Array(layout.width);
  if (isSparse(x)) {
    if (!ArrayBuffer.isView(x.indices) || !ArrayBuffer.isView(x.values) || x.indices.length !== x.values.length) {
      throw new DecodeError('SCHEMA', `${OWNER}: not a dense or sparse vector in ${where}`);
    }
    for (let s = 0; s < x.indices.length; s++) {
      const j = x.indices[s];
      if (j < 0 || j >= layout.width) {
        throw new DecodeError('SCHEMA', `${OWNER}: feature index ${j} is outside [0, ${layout.width}) in ${where}`);
      }
      row[j] += x.values[s];
    }
  } else {
    if (x.length !== layout.width) {
      const expected = `expected ${layout.width}`;
      throw new DecodeError('SCHEMA', `${OWNER}: dense vector has length ${x.length}, ${expected}, in ${where}`);
    }
    row.set(x);
  }
  for (let j = 0; j < row.length; j++) {
    if (!Number.isFinite(row[j])) throw new NonFiniteError(`${OWNER}: feature ${j} is ${row[j]} in ${where}`);
    if (layout.vocabulary !== null && !(Number.isInteger(row[j]) && row[j] >= 0 && row[j] < layout.vocabulary)) {
      throw new DecodeError('SCHEMA', `${OWNER}: feature ${j} is ${row[j]}, not a token id in [0, ${layout.vocabulary}), in ${where}`);
    }
  }
  return row;
}

/** A regression label must be finite; a class label an integer in [0, numClasses). */
export function checkLabel(y: number, numClasses: number | null, where: string): number {
  if (typeof y !== 'number') throw new DecodeError('SCHEMA', `${OWNER}: label ${String(y)} is not a number in ${where}`);
  if (!Number.isFinite(y)) throw new NonFiniteError(`${OWNER}: label is ${y} in ${where}`);
  if (numClasses !== null && !(Number.isInteger(y) && y >= 0 && y < numClasses)) {
    throw new DecodeError('SCHEMA', `${OWNER}: label ${y} is not a class index in [0, ${numClasses}) in ${where}`);
  }
  return y;
}
