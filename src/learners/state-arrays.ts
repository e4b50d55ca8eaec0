import { CheckpointError } from '../errors';
import type { TypedArray } from './estimator';

function fetch(arrays: Record<string, TypedArray>, key: string): TypedArray {
  const value = arrays[key];
  if (value === undefined) throw new CheckpointError(`state has no array '${key}'`);
  return value;
}

/** Copies `arrays[key]` into `target`, which it must match in type and length. */
export function loadArray(arrays: Record<string, TypedArray>, key: string, target: TypedArray): void {
  const value = fetch(arrays, key);
  if (value.constructor !== target.constructor || value.length !== target.length) {
    throw new CheckpointError(
      `state array '${key}' is a ${value.constructor.name} of ${value.length}, ` + `expected a ${target.constructor.name} of ${target.length}`,
    );
  }
  target.set(value);
}

/** Reads `count` float64 scalars stored under `key`. */
export function loadScalars(arrays: Record<string, TypedArray>, key: string, count: number): Float64Array {
  const target = new Float64Array(count);
  loadArray(arrays, key, target);
  return target;
}
