/**
 * Model mixing for scale-out (docs/scale-out.md): several workers learn one shared model on their own
 * partitions, and on a cadence their states are merged into one new version, which every worker then
 * continues from. Each mergeable kind registers a pure `merge` next to itself (src/builtins.ts lists them);
 * a kind without one (trees) cannot be trained by more than one worker, and says so.
 */
import { ConfigError, MergeError } from '../errors';
import { createRegistry } from '../registry';

export { MergeError } from '../errors';
import type { ModelState, TypedArray } from '../state';

/**
 * Merges the states of N workers who all started from `base` (the last merged version, absent before the
 * first) into one. `weights[i]` is what worker i learned since `base`, in examples. Pure: inputs are not
 * modified, and the result shares no array with them.
 */
export type MergeFn = (states: readonly ModelState[], weights: readonly number[], base: ModelState | undefined) => ModelState;

const merges = createRegistry<MergeFn>('merge');

/**
 * Puts what a worker learned since it contributed (`now` − `at`) onto the merged version: the worker's own
 * progress as a parameter difference, instead of learning those records again (docs/scale-out.md,
 * "Carrying on"). Pure. A kind without one is carried by re-learning its records.
 */
export type CarryFn = (merged: ModelState, now: ModelState, at: ModelState) => ModelState | undefined;

const carries = createRegistry<CarryFn>('carry');

export function registerCarry(kind: string, carry: CarryFn): void {
  carries.register(kind, carry);
}

/** merged + (now − at) by the kind's carry; undefined when the kind (or a part of it) has none. */
export function carryState(merged: ModelState, now: ModelState, at: ModelState): ModelState | undefined {
  if (now.kind !== merged.kind || at.kind !== merged.kind || !carries.has(merged.kind)) return undefined;
  return carries.get(merged.kind)(merged, now, at);
}

/** merged + (now − at), element by element, into a new array. */
export function addDifference(merged: TypedArray, now: TypedArray, at: TypedArray): TypedArray {
  const out = merged.slice();
  for (let j = 0; j < out.length; j++) out[j] = merged[j] + now[j] - at[j];
  return out;
}

export function registerMerge(kind: string, merge: MergeFn): void {
  merges.register(kind, merge);
}

export function isMergeable(kind: string): boolean {
  return merges.has(kind);
}

/**
 * Refuses, in one line, a model that several workers cannot share: a trial merge of its fresh state with
 * itself, so that a pipeline whose stage or model has no merge is refused as well as a bare tree.
 */
export function requireMergeable(state: ModelState, what: string): void {
  try {
    mergeStates([state, state], [1, 1], state);
  } catch (err) {
    if (!(err instanceof MergeError)) throw err;
    throw new ConfigError(
      `${what}: a ${state.kind} model cannot be averaged across workers (${err.message}), so modelScope 'shared' needs exactly one worker; ` +
        `use modelScope 'per-partition' or run one process (docs/scale-out.md)`,
    );
  }
}

/**
 * The merged state. One state is returned as it is (a single worker stays bit-identical to a run without
 * mixing); weights must be finite and ≥ 0; when all are 0 nothing was learned and the base (or the first
 * state) stands.
 */
export function mergeStates(states: readonly ModelState[], weights: readonly number[], base?: ModelState): ModelState {
  if (states.length === 0) throw new MergeError('merge: no states to merge');
  if (weights.length !== states.length) throw new MergeError(`merge: ${states.length} states but ${weights.length} weights`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new MergeError(`merge: weights must be finite and ≥ 0, got ${weights.join(', ')}`);
  const kind = states[0].kind;
  for (const state of states) {
    if (state.kind !== kind || state.version !== states[0].version)
      throw new MergeError(`merge: cannot merge a ${state.kind} v${state.version} into a ${kind} v${states[0].version}`);
  }
  const merge = merges.has(kind) ? merges.get(kind) : undefined;
  if (!merge) throw new MergeError(`no merge is registered for kind ${kind}; mergeable kinds: ${merges.kinds().join(', ')}`);
  if (states.length === 1) return states[0];
  return merge(states, weights, base);
}

/** Weights normalised to sum 1; equal when they sum to 0 (nothing learned: any average is the same model). */
export function normalisedWeights(weights: readonly number[]): number[] {
  const total = weights.reduce((sum, w) => sum + w, 0);
  return total > 0 ? weights.map((w) => w / total) : weights.map(() => 1 / weights.length);
}

/** The arrays named `key` of every state, checked to exist with one type and length. */
export function arraysOf(states: readonly ModelState[], key: string): TypedArray[] {
  const arrays = states.map((state) => state.arrays[key]);
  const first = arrays[0];
  for (const [i, array] of arrays.entries()) {
    if (array === undefined) throw new MergeError(`merge: ${states[i].kind} state ${i} has no array '${key}'`);
    if (array.constructor !== first.constructor || array.length !== first.length) {
      throw new MergeError(
        `merge: array '${key}' is a ${array.constructor.name} of ${array.length} in state ${i}, ${first.constructor.name} of ${first.length} in state 0`,
      );
    }
  }
  return arrays;
}

/** Σ wᵢ·aᵢ[j] (weights already normalised), into a new array of the same type. */
export function weightedAverage(arrays: readonly TypedArray[], weights: readonly number[]): TypedArray {
  const out = new (arrays[0].constructor as new (length: number) => TypedArray)(arrays[0].length);
  for (let j = 0; j < out.length; j++) {
    let sum = 0;
    for (let i = 0; i < arrays.length; i++) sum += weights[i] * arrays[i][j];
    out[j] = sum;
  }
  return out;
}

/** Element-wise maximum, into a new array. */
export function elementMax(arrays: readonly TypedArray[]): TypedArray {
  const out = arrays[0].slice();
  for (const array of arrays) for (let j = 0; j < out.length; j++) if (array[j] > out[j]) out[j] = array[j];
  return out;
}

/** Every state's config must be the same (JSON-equal): workers of one topology build one model. */
export function requireSameConfig(states: readonly ModelState[]): void {
  const first = JSON.stringify(states[0].config);
  for (const [i, state] of states.entries()) {
    if (JSON.stringify(state.config) !== first)
      throw new MergeError(`merge: ${state.kind} state ${i} has another config than state 0 (${JSON.stringify(state.config).slice(0, 200)})`);
  }
}

/** Every state must hold the same arrays. */
export function requireSameKeys(states: readonly ModelState[]): string[] {
  const keys = Object.keys(states[0].arrays).sort();
  for (const [i, state] of states.entries()) {
    const own = Object.keys(state.arrays).sort();
    if (own.join('\n') !== keys.join('\n'))
      throw new MergeError(`merge: ${state.kind} state ${i} has arrays [${own.join(', ')}], state 0 has [${keys.join(', ')}]`);
  }
  return keys;
}
