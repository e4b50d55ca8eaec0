import { CheckpointError } from '../errors';
import type { Random } from '../random';
import { createRandom } from '../random';
import type { TypedArray } from '../state';

/**
 * A generator's position as a state array: [state], or [state, spare Gaussian] while one is pending. The
 * position marks "no spare" with NaN, which a checkpoint must not hold (the runtime refuses to publish a
 * state with a non-finite number in it), so it is left out instead.
 */
export function exportRandom(rng: Random): Float64Array {
  const [state, spare] = rng.position();
  return Number.isNaN(spare) ? Float64Array.of(state) : Float64Array.of(state, spare);
}

/** A generator continued from the position `exportRandom` stored under `key` (a stored [state, NaN] is read too). */
export function restoreRandom(arrays: Record<string, TypedArray>, key: string): Random {
  const position = arrays[key];
  if (!(position instanceof Float64Array) || (position.length !== 1 && position.length !== 2)) {
    throw new CheckpointError(`state array '${key}' must be a Float64Array of 1 or 2 (generator state, pending Gaussian)`);
  }
  return createRandom(0, [position[0], position.length === 2 ? position[1] : Number.NaN]);
}
