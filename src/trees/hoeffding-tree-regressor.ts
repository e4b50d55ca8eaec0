import { choiceField, isPositive, numberField } from '../learners/config-checks';
import type { Estimator, FeatureVector, JsonObject } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import type { RegressionLeafPrediction, TreeConfig, TreeSpec } from './config';
import { commonJson, resolveCommon } from './config';
import { HoeffdingCore } from './hoeffding-core';
import { TreeRegressorEstimator, treeCheckpointConfig, type TreeKindParts } from './tree-estimator';

/** A Hoeffding tree regressor (FIMT-style): variance-reduction splits, histogram observers. */
export interface HoeffdingTreeRegressorConfig extends TreeConfig {
  /** Default `'adaptive'` (River's default): the mean or the leaf's linear model, whichever erred less. */
  leafPrediction?: RegressionLeafPrediction;
  /** SGD step size of the model leaves, on standardised features and target; default 0.01. */
  learningRate?: number;
}

export interface HoeffdingTreeRegressor extends Estimator<FeatureVector> {
  featureImportances(): Float64Array;
  readonly nodeCount: number;
}

const KIND = 'HoeffdingTreeRegressor';

export function resolveRegressorSpec(owner: string, config: HoeffdingTreeRegressorConfig): TreeSpec {
  const common = resolveCommon(owner, config);
  const c = config ?? ({} as HoeffdingTreeRegressorConfig);
  return {
    ...common,
    numClasses: 0,
    criterion: 'varianceReduction',
    observer: 'histogram',
    leafPrediction: choiceField<RegressionLeafPrediction>(owner, 'leafPrediction', c.leafPrediction, 'adaptive', ['mean', 'model', 'adaptive']),
    learningRate: numberField(owner, 'learningRate', c.learningRate, 0.01, isPositive, 'a positive number'),
    subspaceSize: common.numFeatures,
  };
}

export function regressorJson(spec: TreeSpec): JsonObject {
  return { ...commonJson(spec), leafPrediction: spec.leafPrediction, learningRate: spec.learningRate };
}

function parts(spec: TreeSpec): TreeKindParts<HoeffdingCore> {
  return { kind: KIND, spec, core: new HoeffdingCore(spec, spec.seed), config: regressorJson(spec) };
}

export function createHoeffdingTreeRegressor(config: HoeffdingTreeRegressorConfig): HoeffdingTreeRegressor {
  return new TreeRegressorEstimator(parts(resolveRegressorSpec(KIND, config)));
}

export const hoeffdingTreeRegressorFromState: LearnerFactory = (state) =>
  new TreeRegressorEstimator(parts(treeCheckpointConfig(state, (c: HoeffdingTreeRegressorConfig) => resolveRegressorSpec(KIND, c))), state.arrays);
