import type { StreamlearnError } from '../errors';
import { DecodeError, NonFiniteError } from '../errors';
import type { FeatureVector } from './estimator';
import { isSparse } from './estimator';

/**
 * Why `x` could not be used (its margins came out non-finite or it did not fit `numFeatures`), as the
 * error to throw; `where` names the example. Only called on failure, so the happy path checks nothing.
 */
export function inputError(x: FeatureVector, numFeatures: number, where: string): StreamlearnError {
  if (isSparse(x)) {
    const { indices, values } = x;
    if (indices.length !== values.length) {
      return new DecodeError('SCHEMA', `sparse vector has ${indices.length} indices but ${values.length} values in ${where}`);
    }
    for (let s = 0; s < values.length; s++) {
      if (!(indices[s] >= 0 && indices[s] < numFeatures)) {
        return new DecodeError('SCHEMA', `feature index ${indices[s]} (entry ${s}) is outside [0, ${numFeatures}) in ${where}`);
      }
      if (!Number.isFinite(values[s])) return new NonFiniteError(`feature ${indices[s]} is ${values[s]} in ${where}`);
    }
  } else {
    if (x.length !== numFeatures) {
      return new DecodeError('SCHEMA', `dense vector has length ${x.length}, expected ${numFeatures}, in ${where}`);
    }
    for (let j = 0; j < numFeatures; j++) {
      if (!Number.isFinite(x[j])) return new NonFiniteError(`feature ${j} is ${x[j]} in ${where}`);
    }
  }
  return new NonFiniteError(`the margin overflowed in ${where}: weights or feature values are too large`);
}
