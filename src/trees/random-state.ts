import { loadArray } from '../learners/state-arrays';
import type { Random } from '../random';
import { createRandom } from '../random';
import type { TypedArray } from '../state';

/** A generator continued from the position (`Random.position()`, as a Float64Array of 2) stored under `key`. */
export function restoreRandom(arrays: Record<string, TypedArray>, key: string): Random {
  const position = new Float64Array(2);
  loadArray(arrays, key, position);
  return createRandom(0, [position[0], position[1]]);
}
