import type { ModelState, TypedArray } from '../state';
import {
  addDifference,
  arraysOf,
  elementMax,
  MergeError,
  normalisedWeights,
  requireSameConfig,
  requireSameKeys,
  weightedAverage,
  type CarryFn,
  type MergeFn,
} from './merge';

/**
 * Merge of the linear learners (LinearRegression, LogisticRegression, SoftmaxRegression, LinearSVM):
 * iterative parameter mixing (McDonald et al. 2010), i.e. the example-weighted average of every worker's
 * parameters, optimizer state included. Why each array is merged as it is (docs/scale-out.md):
 * - `weights`: the effective weights (the L2 scale folded in) are averaged; the result has scale 1.
 * - `penalty.scalars` [owed L1, scale]: owed is averaged, the scale is 1 (folded into the weights).
 * - `normalized.featureScales` (the largest |x_j| seen): the maximum, which is what one worker that had
 *   seen every worker's examples would hold.
 * - everything else (`optimizer.steps`, AdaGrad's Σg², Adam's moments, FTRL's z and n, the normalized
 *   optimizer's Σg² and counters, `penalty.applied`): the weighted average. The averaged weights move like
 *   one worker's trajectory, not like the sum of all (each worker's update is divided by N), so they keep
 *   one worker's clock: summing Σg² or n would shrink every step N-fold on top of that. Adam's moments are
 *   moving averages of gradients, linear in them, so their average is the moment of the averaged stream.
 * Merging identical states gives that state back (up to rounding), so mixing never moves a converged model.
 */
export const mergeLinearStates: MergeFn = (states, weights) => {
  requireSameConfig(states);
  const keys = requireSameKeys(states);
  const w = normalisedWeights(weights);
  const arrays: Record<string, TypedArray> = {};
  for (const key of keys) {
    if (key === 'weights') arrays[key] = averageEffectiveWeights(states, w);
    else if (key === 'penalty.scalars') arrays[key] = Float64Array.of(weightedAverage(arraysOf(states, key), w)[0], 1);
    else if (key === 'normalized.featureScales') arrays[key] = elementMax(arraysOf(states, key));
    else arrays[key] = weightedAverage(arraysOf(states, key), w);
  }
  return { kind: states[0].kind, version: states[0].version, config: states[0].config, arrays };
};

/** Feature weights are stored divided by the L2 scale (`penalty.scalars[1]`); intercepts are not. */
function averageEffectiveWeights(states: readonly ModelState[], w: readonly number[]): TypedArray {
  const all = arraysOf(states, 'weights');
  const numFeatures = states[0].config.numFeatures;
  if (typeof numFeatures !== 'number' || all[0].length % (numFeatures + 1) !== 0) {
    throw new MergeError(`merge: ${states[0].kind} has ${all[0].length} weights, not a multiple of numFeatures + 1 (${String(numFeatures)} + 1)`);
  }
  const biasOffset = numFeatures * (all[0].length / (numFeatures + 1));
  const scales = states.map((state) => state.arrays['penalty.scalars']?.[1] ?? 1);
  const out = weightedAverage(all, w);
  for (let j = 0; j < biasOffset; j++) {
    let sum = 0;
    for (let i = 0; i < all.length; i++) sum += w[i] * scales[i] * all[i][j];
    out[j] = sum;
  }
  return out;
}

/**
 * The linear learners' carry: merged + (now − at) for every array, the weights as effective weights (the L2
 * scale folded in, the result at scale 1), the largest |x_j| as the maximum. A difference of arrays with
 * the same shapes, so it is O(parameters), whatever the records learned since the contribution.
 */
export const carryLinearState: CarryFn = (merged, now, at) => {
  const states = [merged, now, at];
  requireSameConfig(states);
  const keys = requireSameKeys(states);
  const arrays: Record<string, TypedArray> = {};
  for (const key of keys) {
    const [m, n, a] = arraysOf(states, key);
    if (key === 'weights') {
      const [em, en, ea] = states.map((state) => averageEffectiveWeights([state], [1]));
      arrays[key] = addDifference(em, en, ea);
    } else if (key === 'penalty.scalars') arrays[key] = Float64Array.of(m[0] + n[0] - a[0], 1);
    else if (key === 'normalized.featureScales') arrays[key] = elementMax([m, n]);
    else arrays[key] = addDifference(m, n, a);
  }
  return { kind: merged.kind, version: merged.version, config: merged.config, arrays };
};
