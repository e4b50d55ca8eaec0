import { CheckpointError, ConfigError } from '../errors';
import { integerField } from '../features/config';
import { choiceField, isNonNegative, isPositive, numberField } from '../learners/config-checks';
import type { BatchMode, LearnerState } from '../learners/estimator';

export const RECO_STATE_VERSION = 1;

export type RecoOptimizer = 'sgd' | 'adagrad';

/** Settings every recommender takes. */
export interface RecoCommonConfig {
  /** Most users kept; beyond it the least recently seen give their rows up. Default 1,000,000. */
  userCapacity?: number;
  /** Most items kept (the catalog `recommend` ranks). Default 1,000,000. */
  itemCapacity?: number;
  /** Seeds the initial factors (a function of seed and id) and the negative samples. Default 1. */
  seed?: number;
  /** Passes over each micro-batch in `learnMany`. Default 1. */
  maxIter?: number;
  /** Only `'sequential'`: every update touches other rows than the last, so there is no batch gradient to average. */
  batchMode?: BatchMode;
}

/** Settings of the latent-factor models. The loss is ½(prediction − y)² for ratings (River's is twice that). */
export interface FactorConfig {
  /** Latent dimensions. Default 10. */
  factors?: number;
  /** Step size of the factors. Default 0.02 (River's SGD default, 0.01, in the ½r² convention). */
  learningRate?: number;
  /** Step size of the biases. Default: `learningRate`. */
  biasLearningRate?: number;
  /** L2 penalty on biases, per update. Default 0.001. */
  l2Bias?: number;
  /** L2 penalty on factors, per update. Default 0.001. */
  l2Factors?: number;
  /** Standard deviation of the initial factors. Default 0.1. */
  initStd?: number;
  /** `'sgd'` (default) or `'adagrad'` (per-parameter steps `learningRate / √Σg²`). */
  optimizer?: RecoOptimizer;
}

export type ResolvedCommon = Required<Omit<RecoCommonConfig, 'batchMode'>> & { batchMode: 'sequential' };
export type ResolvedFactors = Required<FactorConfig>;

const MAX_CAPACITY = 2 ** 26;

export function resolveCommon(kind: string, config: RecoCommonConfig): ResolvedCommon {
  if (typeof config !== 'object' || config === null) throw new ConfigError(`${kind}: config must be an object`);
  if (config.batchMode !== undefined && config.batchMode !== 'sequential') {
    throw new ConfigError(`${kind}: batchMode must be 'sequential', got ${JSON.stringify(config.batchMode)}: each event updates its own user and item rows`);
  }
  return {
    userCapacity: integerField(kind, 'userCapacity', config.userCapacity, 1_000_000, 1, MAX_CAPACITY),
    itemCapacity: integerField(kind, 'itemCapacity', config.itemCapacity, 1_000_000, 2, MAX_CAPACITY),
    seed: integerField(kind, 'seed', config.seed, 1, 0, 0xffffffff),
    maxIter: integerField(kind, 'maxIter', config.maxIter, 1, 1, 1000),
    batchMode: 'sequential',
  };
}

export function resolveFactors(kind: string, config: FactorConfig): ResolvedFactors {
  const learningRate = numberField(kind, 'learningRate', config.learningRate, 0.02, isPositive, 'a finite number > 0');
  return {
    factors: integerField(kind, 'factors', config.factors, 10, 1, 1024),
    learningRate,
    biasLearningRate: numberField(kind, 'biasLearningRate', config.biasLearningRate, learningRate, isPositive, 'a finite number > 0'),
    l2Bias: numberField(kind, 'l2Bias', config.l2Bias, 0.001, isNonNegative, 'a finite number ≥ 0'),
    l2Factors: numberField(kind, 'l2Factors', config.l2Factors, 0.001, isNonNegative, 'a finite number ≥ 0'),
    initStd: numberField(kind, 'initStd', config.initStd, 0.1, isNonNegative, 'a finite number ≥ 0'),
    optimizer: choiceField<RecoOptimizer>(kind, 'optimizer', config.optimizer, 'sgd', ['sgd', 'adagrad']),
  };
}

/** Resolves a checkpoint's config, reporting a bad one (or another kind or version) as a `CheckpointError`. */
export function checkpointConfig<C, R>(state: LearnerState, kind: string, resolve: (config: C) => R): R {
  if (state.kind !== kind) throw new CheckpointError(`expected a '${kind}' state, got '${String(state.kind)}'`);
  if (state.version !== RECO_STATE_VERSION) {
    throw new CheckpointError(`${kind} state version ${state.version} is not supported (expected ${RECO_STATE_VERSION})`);
  }
  try {
    return resolve(state.config as unknown as C);
  } catch (err) {
    if (err instanceof ConfigError) throw new CheckpointError(`invalid ${kind} checkpoint: ${err.message}`, { cause: err });
    throw err;
  }
}
