/** What every importance estimator reports, and the ranking derived from it. */

export type ImportanceMethod = 'ipfi' | 'coefficients' | 'split-gain';

/** One feature (or feature group): its smoothed importance, the spread of the values behind it, its rank. */
export interface FeatureScore {
  name: string;
  /** Exponentially smoothed importance; larger is more important. */
  mean: number;
  /** Exponentially smoothed squared deviation of each sample from `mean` (a per-sample variance, as in ixai). */
  variance: number;
  /** 1 for the most important feature. */
  rank: number;
}

export interface ImportanceSnapshot {
  method: ImportanceMethod;
  /** Samples folded into the scores so far. */
  samples: number;
  /** The smoothing factor α of the scores: the standard error of a mean is √(variance · α / (2 − α)). */
  smoothing: number;
  /** Sorted by rank. */
  features: FeatureScore[];
}

/** Anything that can tell the current ranking. */
export interface ImportanceSource {
  snapshot(): ImportanceSnapshot;
}

/** An online importance estimator over examples of type `X`. */
/**
 * The examples of a micro-batch as `update` reads them: an array, or a list whose items are made when asked
 * for (the rows of Arrow tables, on the runtime's column path), since only the sampled ones are read.
 */
export interface Examples<X> {
  readonly length: number;
  at(index: number): X | undefined;
}

export interface FeatureImportance<X> extends ImportanceSource {
  readonly method: ImportanceMethod;
  /** Feature (or group) names, in the order of `ScoresState` arrays. */
  readonly names: readonly string[];
  /** Fraction of examples that `update` samples. */
  readonly sampleRate: number;
  /** Folds in a micro-batch; call it before the model learns the batch, so that losses are out-of-sample. */
  update(xs: Examples<X>, ys: ArrayLike<number>): void;
  /** Copies of the smoothed scores, to store with a checkpoint and resume from. */
  scores(): ScoresState;
}

/** The smoothed scores, by feature index. */
export interface ScoresState {
  means: Float64Array;
  variances: Float64Array;
  samples: number;
}

/** Ranks by mean, largest first; ties and NaN (last) keep the order of `names`. */
export function rankScores(method: ImportanceMethod, names: readonly string[], state: ScoresState, smoothing: number): ImportanceSnapshot {
  const { means, variances, samples } = state;
  const key = (j: number) => (Number.isNaN(means[j]) ? -Infinity : means[j]);
  const order = names.map((_, j) => j).sort((a, b) => key(b) - key(a) || a - b);
  const features = order.map((j, position) => ({ name: names[j], mean: means[j], variance: variances[j], rank: position + 1 }));
  return { method, samples, smoothing, features };
}

/** The standard error of a smoothed mean (Fumagalli et al. 2023, the iPFI confidence bound). */
export function standardError(score: FeatureScore, smoothing: number): number {
  return Math.sqrt((Math.max(score.variance, 0) * smoothing) / (2 - smoothing));
}
