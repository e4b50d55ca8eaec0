import { CheckpointError } from '../errors';
import type { ScoresState } from './snapshot';

/**
 * Per-feature exponential smoothing of a stream of score vectors, as ixai's trackers do it: the mean
 * starts at 0 and moves by α towards each new value; the variance smooths the squared deviation of the
 * value from the updated mean.
 */
export interface SmoothedScores {
  update(values: ArrayLike<number>): void;
  state(): ScoresState;
}

export function createSmoothedScores(count: number, alpha: number, resumed?: ScoresState): SmoothedScores {
  const means = new Float64Array(count);
  const variances = new Float64Array(count);
  let samples = 0;
  if (resumed !== undefined) {
    if (resumed.means.length !== count || resumed.variances.length !== count) {
      throw new CheckpointError(`importance scores hold ${resumed.means.length} features, expected ${count}`);
    }
    means.set(resumed.means);
    variances.set(resumed.variances);
    samples = resumed.samples;
  }
  return {
    update(values) {
      for (let j = 0; j < count; j++) {
        means[j] += alpha * (values[j] - means[j]);
        const deviation = values[j] - means[j];
        variances[j] += alpha * (deviation * deviation - variances[j]);
      }
      samples++;
    },
    state: () => ({ means: means.slice(), variances: variances.slice(), samples }),
  };
}
