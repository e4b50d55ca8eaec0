import { ConfigError } from '../errors';
import { choiceField, isNonNegative, isOpenFraction, isPositive, isPositiveInteger, numberField } from '../learners/config-checks';

export type ClassSplitCriterion = 'infoGain' | 'gini';
export type NumericObserver = 'gaussian' | 'histogram';
export type ClassLeafPrediction = 'majorityClass' | 'naiveBayes' | 'adaptiveNaiveBayes';
export type RegressionLeafPrediction = 'mean' | 'model' | 'adaptive';

/** The parameters every Hoeffding tree shares (River and MOA names in brackets). */
export interface TreeConfig {
  /** Input width; required. */
  numFeatures: number;
  /** Weight a leaf sees between split attempts [grace_period]; default 200. */
  gracePeriod?: number;
  /** δ of the Hoeffding bound [delta]; default 1e-7. */
  splitConfidence?: number;
  /** Split anyway when the bound falls below this [tau]; default 0.05. */
  tieThreshold?: number;
  /** Leaves at this depth never split [max_depth]; default 30 (the root has depth 0). */
  maxDepth?: number;
  /**
   * Nominal features: feature index → number of categories. A nominal value must be an integer in
   * [0, categories); its splits are one category versus the rest. Every other feature is numeric.
   */
  nominal?: Record<string, number>;
  /** How numeric features are summarised at a leaf; default `'gaussian'` (classifiers) — regressors always use the histogram. */
  numericObserver?: NumericObserver;
  /** Candidate thresholds the Gaussian observer tries between a feature's min and max; default 10. */
  numSplitPoints?: number;
  /** Bins of the histogram observer; default 32. Bin ranges come from the first `gracePeriod` examples. */
  numBins?: number;
  /**
   * Bound on the bytes of the split statistics held by active leaves (the bulk of a tree's memory); when
   * a split would exceed it, the least promising leaves are deactivated [max_size, MB in River]. Default 64 MiB.
   */
  memoryLimitBytes?: number;
  /** Passes `learnMany` makes over a micro-batch; default 1. */
  maxIter?: number;
  /** Seeds the random subspaces (forests); default 0. */
  seed?: number;
  /** Only `'sequential'`: a tree has no averaged step. */
  batchMode?: 'sequential';
}

/** Everything the tree core needs, checked. `numClasses` 0 means regression. */
export interface TreeSpec {
  numFeatures: number;
  numClasses: number;
  criterion: ClassSplitCriterion | 'varianceReduction';
  observer: NumericObserver;
  gracePeriod: number;
  delta: number;
  tau: number;
  maxDepth: number;
  numSplitPoints: number;
  numBins: number;
  memoryLimitBytes: number;
  maxIter: number;
  leafPrediction: ClassLeafPrediction | RegressionLeafPrediction;
  /** Model leaves' SGD step size (regression). */
  learningRate: number;
  /** Features each leaf may split on: all of them, or a random subspace of this many (forests). */
  subspaceSize: number;
  /** Categories per feature; 0 for numeric. */
  cardinality: Int32Array;
  seed: number;
}

export function cardinalities(owner: string, numFeatures: number, nominal: unknown): Int32Array {
  const result = new Int32Array(numFeatures);
  if (nominal === undefined || nominal === null) return result;
  if (typeof nominal !== 'object' || Array.isArray(nominal)) {
    throw new ConfigError(`${owner}: nominal must be an object of feature index → categories, got ${JSON.stringify(nominal)}`);
  }
  for (const [key, value] of Object.entries(nominal as Record<string, unknown>)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= numFeatures) {
      throw new ConfigError(`${owner}: nominal feature ${key} is outside [0, ${numFeatures})`);
    }
    result[index] = numberField(owner, `nominal[${key}]`, value, 0, (v) => isPositiveInteger(v) && v >= 2, 'an integer ≥ 2');
  }
  return result;
}

export function nominalRecord(cardinality: Int32Array): Record<string, number> {
  const record: Record<string, number> = {};
  cardinality.forEach((c, j) => {
    if (c > 0) record[String(j)] = c;
  });
  return record;
}

type Common = Omit<TreeSpec, 'numClasses' | 'criterion' | 'leafPrediction' | 'learningRate' | 'observer' | 'subspaceSize'>;

/** Checks the shared fields; `owner` names the kind in errors. */
export function resolveCommon(owner: string, config: TreeConfig): Common {
  const c = config ?? ({} as TreeConfig);
  const numFeatures = numberField(owner, 'numFeatures', c.numFeatures, Number.NaN, isPositiveInteger, 'a positive integer');
  if (c.batchMode !== undefined && c.batchMode !== 'sequential') {
    throw new ConfigError(`${owner}: batchMode must be 'sequential' (a tree has no averaged step), got ${JSON.stringify(c.batchMode)}`);
  }
  return {
    numFeatures,
    gracePeriod: numberField(owner, 'gracePeriod', c.gracePeriod, 200, isPositive, 'a positive number'),
    delta: numberField(owner, 'splitConfidence', c.splitConfidence, 1e-7, isOpenFraction, 'in (0, 1)'),
    tau: numberField(owner, 'tieThreshold', c.tieThreshold, 0.05, isNonNegative, 'a non-negative number'),
    maxDepth: numberField(owner, 'maxDepth', c.maxDepth, 30, (v) => Number.isInteger(v) && v >= 0 && v <= 1000, 'an integer in [0, 1000]'),
    numSplitPoints: numberField(owner, 'numSplitPoints', c.numSplitPoints, 10, isPositiveInteger, 'a positive integer'),
    numBins: numberField(owner, 'numBins', c.numBins, 32, (v) => isPositiveInteger(v) && v >= 2 && v <= 4096, 'an integer in [2, 4096]'),
    memoryLimitBytes: numberField(owner, 'memoryLimitBytes', c.memoryLimitBytes, 64 * 2 ** 20, isPositive, 'a positive number'),
    maxIter: numberField(owner, 'maxIter', c.maxIter, 1, isPositiveInteger, 'a positive integer'),
    cardinality: cardinalities(owner, numFeatures, c.nominal),
    seed: numberField(owner, 'seed', c.seed, 0, (v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32, 'an integer in [0, 2^32)'),
  };
}

export function resolveObserver(owner: string, value: unknown): NumericObserver {
  return choiceField<NumericObserver>(owner, 'numericObserver', value, 'gaussian', ['gaussian', 'histogram']);
}

/** The JSON form of the shared fields, for `state().config`. */
export function commonJson(spec: TreeSpec): Record<string, number | string | Record<string, number>> {
  return {
    numFeatures: spec.numFeatures,
    gracePeriod: spec.gracePeriod,
    splitConfidence: spec.delta,
    tieThreshold: spec.tau,
    maxDepth: spec.maxDepth,
    nominal: nominalRecord(spec.cardinality),
    numSplitPoints: spec.numSplitPoints,
    numBins: spec.numBins,
    memoryLimitBytes: spec.memoryLimitBytes,
    maxIter: spec.maxIter,
    seed: spec.seed,
  };
}
