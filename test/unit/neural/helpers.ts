import type { FeatureVector, LearnerState } from '../../../src/learners';

/** A state as it comes back from a checkpoint: config through JSON, arrays copied. */
export function throughCheckpoint(state: LearnerState): LearnerState {
  const arrays: LearnerState['arrays'] = {};
  for (const [key, value] of Object.entries(state.arrays)) arrays[key] = value.slice();
  return { ...JSON.parse(JSON.stringify({ kind: state.kind, version: state.version, config: state.config })), arrays };
}

/** Every array of a state as plain numbers, keyed by name, for exact comparisons. */
export function arraysOf(state: LearnerState): Record<string, number[]> {
  return Object.fromEntries(Object.entries(state.arrays).map(([key, values]) => [key, Array.from(values)]));
}

/** Fraction of `xs` whose prediction equals the label. */
export function accuracy(predict: (xs: readonly FeatureVector[]) => Float64Array, xs: FeatureVector[], ys: number[]): number {
  const predicted = predict(xs);
  return ys.filter((y, i) => predicted[i] === y).length / ys.length;
}
