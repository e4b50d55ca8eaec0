/** Checks applied when a stage or metric is rebuilt from a stored state; each throws a `CheckpointError`. */

import { CheckpointError } from '../errors';
import type { TypedArray } from '../learners/estimator';
import { loadArray } from '../learners/state-arrays';
import type { StageState } from './stage';

export function checkKind(state: StageState, kind: string, version: number): void {
  if (state.kind !== kind) throw new CheckpointError(`expected a '${kind}' state, got '${String(state.kind)}'`);
  if (state.version !== version) {
    throw new CheckpointError(`${kind}: state version ${String(state.version)} is not supported (expected ${version})`);
  }
}

type ArrayType<T extends TypedArray> = new (length: number) => T;

/** A copy of `state.arrays[name]`, which must be a `type` of `length` (when given) elements. */
export function restoreArray<T extends TypedArray>(state: StageState, name: string, type: ArrayType<T>, length?: number): T {
  const target = new type(length ?? state.arrays[name]?.length ?? 0);
  loadArray(state.arrays, name, target);
  return target;
}
