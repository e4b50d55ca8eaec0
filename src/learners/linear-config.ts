import { ConfigError } from '../errors';
import { choiceField, booleanField, isFraction, isNonNegative, isPositive, isPositiveInteger, numberField, optionalNumberField } from './config-checks';
import type { BatchMode } from './estimator';
import type { WeightDtype } from './linear-weights';
import type { OptimizerConfig, ResolvedOptimizerConfig } from './optimizers/config';
import { defaultStepSize, resolveOptimizerConfig } from './optimizers/config';
import { optimalInitialRate } from './optimizers/sgd';

/**
 * Settings shared by the linear learners; names follow Spark MLlib. The objective is
 *
 *   mean loss + regParam · (elasticNetParam · |w|₁ + (1 - elasticNetParam)/2 · |w|²)
 *
 * as in Spark (intercepts unpenalised, features not standardised). Sequential SGD takes one stochastic
 * step of it per example; see `ElasticNetPenalty` for how the penalty is applied and
 * `FtrlConfig` for FTRL's own convention.
 */
export interface LinearConfig {
  /** Dimension d of the feature vectors (dense length, or bound of sparse indices). Required. */
  numFeatures: number;
  /** Penalty strength. Default 0. */
  regParam?: number;
  /** 0 = L2 (ridge), 1 = L1 (lasso), between = elastic net. Default 0. */
  elasticNetParam?: number;
  /** Default true. */
  fitIntercept?: boolean;
  /** Base learning rate; default depends on the optimizer (sgd and adam 0.01, adagrad and ftrl 0.1, normalized 0.5; 0.02 for LinearRegression's squared loss with sgd, see there). */
  stepSize?: number;
  /** Passes over each micro-batch in `learnMany`. Default 1. */
  maxIter?: number;
  /** Default `'sequential'`; see {@link BatchMode}. */
  batchMode?: BatchMode;
  /** Default `{ kind: 'sgd', schedule: 'constant' }`. */
  optimizer?: OptimizerConfig;
  /** Rescale each step's gradient (weights and intercepts) to this Euclidean norm at most. */
  clipNorm?: number | null;
  /** Clip each gradient component to ±clipValue (before clipNorm). */
  clipValue?: number | null;
  /** Storage of weights and per-weight optimizer state; `'float32'` halves memory for huge hashed spaces. Default `'float64'`. */
  dtype?: WeightDtype;
}

export type ResolvedLinearConfig = {
  numFeatures: number;
  regParam: number;
  elasticNetParam: number;
  fitIntercept: boolean;
  stepSize: number;
  maxIter: number;
  batchMode: BatchMode;
  optimizer: ResolvedOptimizerConfig;
  clipNorm: number | null;
  clipValue: number | null;
  dtype: WeightDtype;
};

/** What the learner itself allows, beyond the shared checks. */
export interface LearnerTraits {
  /** One output with a {@link ScalarLoss} (everything but softmax). */
  scalarOutput: boolean;
  /** The loss is hinge or epsilon-insensitive, as passive-aggressive steps require. */
  passiveAggressiveLoss: boolean;
}

const MAX_FEATURES = 2 ** 30;

export function resolveLinearConfig(owner: string, config: LinearConfig, traits: LearnerTraits): ResolvedLinearConfig {
  if (typeof config !== 'object' || config === null) throw new ConfigError(`${owner}: config must be an object`);
  const optimizer = resolveOptimizerConfig(owner, config.optimizer, traits.scalarOutput);
  const resolved: ResolvedLinearConfig = {
    numFeatures: numberField(owner, 'numFeatures', config.numFeatures, Number.NaN, (v) => isPositiveInteger(v) && v <= MAX_FEATURES, `an integer in [1, 2^30]`),
    regParam: numberField(owner, 'regParam', config.regParam, 0, isNonNegative, 'a finite number ≥ 0'),
    elasticNetParam: numberField(owner, 'elasticNetParam', config.elasticNetParam, 0, isFraction, 'in [0, 1]'),
    fitIntercept: booleanField(owner, 'fitIntercept', config.fitIntercept, true),
    stepSize: numberField(owner, 'stepSize', config.stepSize, defaultStepSize(optimizer.kind), isPositive, 'a finite number > 0'),
    maxIter: numberField(owner, 'maxIter', config.maxIter, 1, isPositiveInteger, 'a positive integer'),
    batchMode: choiceField<BatchMode>(owner, 'batchMode', config.batchMode, 'sequential', ['sequential', 'minibatch']),
    optimizer,
    clipNorm: optionalNumberField(owner, 'clipNorm', config.clipNorm, isPositive, 'a finite number > 0'),
    clipValue: optionalNumberField(owner, 'clipValue', config.clipValue, isPositive, 'a finite number > 0'),
    dtype: choiceField<WeightDtype>(owner, 'dtype', config.dtype, 'float64', ['float64', 'float32']),
  };
  checkCombination(owner, resolved, traits);
  return resolved;
}

function checkCombination(owner: string, config: ResolvedLinearConfig, traits: LearnerTraits): void {
  const { optimizer, regParam, elasticNetParam, stepSize, batchMode } = config;
  const fail = (message: string): never => {
    throw new ConfigError(`${owner}: ${message}`);
  };
  if (optimizer.kind === 'normalized' && batchMode !== 'sequential') {
    fail(`the normalized optimizer is defined per example; use batchMode 'sequential'`);
  }
  if (optimizer.kind === 'sgd' && (optimizer.schedule === 'pa1' || optimizer.schedule === 'pa2')) {
    if (!traits.passiveAggressiveLoss) fail(`passive-aggressive steps need the hinge or epsilonInsensitive loss`);
    if (batchMode !== 'sequential') fail(`passive-aggressive steps are per example; use batchMode 'sequential'`);
    if (regParam !== 0) fail(`passive-aggressive steps are regularised by optimizer.aggressiveness; set regParam to 0`);
    return;
  }
  if (optimizer.kind === 'ftrl') return;
  if (optimizer.kind === 'sgd' && optimizer.schedule === 'optimal' && regParam <= 0) {
    fail(`the 'optimal' schedule needs regParam > 0`);
  }
  const firstRate = optimizer.kind === 'sgd' && optimizer.schedule === 'optimal' ? optimalInitialRate(regParam) : stepSize;
  const shrink = firstRate * regParam * (1 - elasticNetParam);
  if (shrink >= 1) {
    fail(`the first step would shrink weights by ${shrink} ≥ 1 (step size × regParam × (1 - elasticNetParam)); lower them`);
  }
}
