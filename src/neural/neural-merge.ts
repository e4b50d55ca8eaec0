/**
 * Merge of NeuralNet states for scale-out (docs/scale-out.md). Pure over the checkpoint arrays: it never
 * builds a net nor a tensor, so it neither loads TensorFlow.js nor can leak a tensor.
 * - every weight (`layer0/kernel`, `layer0/bias`, …, batch normalisation's moving mean and variance) and
 *   every optimizer slot (Adam's `m` and `v`, RMSProp's `rms`): the example-weighted average, federated
 *   averaging (McMahan et al. 2017) with one local pass per round. Adam's moments are moving averages of
 *   gradients, linear in them, so their average is the moment of the averaged gradient stream; the second
 *   moment is averaged, not summed, to keep one worker's step sizes, as for the linear learners.
 * - `optimizer/steps`: the weighted average, rounded, so that Adam's bias correction runs on one worker's
 *   clock (matching how far the averaged weights moved) and the seed of the next call's randomness, which
 *   hashes the step count, stays an integer.
 * Merging identical states gives that state back, so mixing never moves a converged net.
 */
import { addDifference, arraysOf, normalisedWeights, requireSameConfig, requireSameKeys, weightedAverage, type CarryFn, type MergeFn } from '../learners/merge';
import type { TypedArray } from '../state';

const STEPS_KEY = 'optimizer/steps';

export const mergeNeuralNetStates: MergeFn = (states, weights) => {
  requireSameConfig(states);
  const keys = requireSameKeys(states);
  const w = normalisedWeights(weights);
  const arrays: Record<string, TypedArray> = {};
  for (const key of keys) {
    const averaged = weightedAverage(arraysOf(states, key), w);
    if (key === STEPS_KEY) averaged[0] = Math.round(averaged[0]);
    arrays[key] = averaged;
  }
  return { kind: states[0].kind, version: states[0].version, config: states[0].config, arrays };
};

/** The carry: merged + (now − at) for every weight, slot and the step count, as the merge treats them. */
export const carryNeuralNetState: CarryFn = (merged, now, at) => {
  const states = [merged, now, at];
  requireSameConfig(states);
  const arrays: Record<string, TypedArray> = {};
  for (const key of requireSameKeys(states)) {
    const [m, n, a] = arraysOf(states, key);
    arrays[key] = addDifference(m, n, a);
  }
  return { kind: merged.kind, version: merged.version, config: merged.config, arrays };
};
