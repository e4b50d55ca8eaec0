import { isOpenFraction, isPositiveInteger, numberField } from '../learners/config-checks';
import type { Classifier, Estimator, FeatureVector, JsonObject } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import type { AdaptiveSpec } from './adaptive-core';
import { AdaptiveCore } from './adaptive-core';
import type { TreeSpec } from './config';
import type { HoeffdingTreeClassifierConfig } from './hoeffding-tree-classifier';
import { classifierJson, resolveClassifierSpec } from './hoeffding-tree-classifier';
import type { HoeffdingTreeRegressorConfig } from './hoeffding-tree-regressor';
import { regressorJson, resolveRegressorSpec } from './hoeffding-tree-regressor';
import { TreeClassifierEstimator, TreeRegressorEstimator, treeCheckpointConfig, type TreeKindParts } from './tree-estimator';

/** What the adaptive trees add to a Hoeffding tree's parameters (River's names in brackets). */
export interface AdaptiveConfig {
  /** δ of the ADWIN at every node; default 0.002 (ADWIN's default, as in River and MOA). */
  driftDelta?: number;
  /** Both a node and its alternate must have seen this many errors before they are compared [drift_window_threshold]; default 300. */
  driftWindowThreshold?: number;
  /** Significance of the test that swaps in or drops an alternate subtree [switch_significance]; default 0.05. */
  switchSignificance?: number;
}

/** A Hoeffding adaptive tree (HAT, Bifet & Gavaldà 2009) classifier. */
export type HoeffdingAdaptiveTreeClassifierConfig = HoeffdingTreeClassifierConfig & AdaptiveConfig;
/** A Hoeffding adaptive tree regressor (River's HoeffdingAdaptiveTreeRegressor). */
export type HoeffdingAdaptiveTreeRegressorConfig = HoeffdingTreeRegressorConfig & AdaptiveConfig;

/** What both adaptive trees expose besides the estimator contract. */
export interface AdaptiveTreeModel {
  featureImportances(): Float64Array;
  readonly nodeCount: number;
  /** Alternate subtrees swapped in for the subtree they grew beside, so far. */
  readonly switches: number;
}

export type HoeffdingAdaptiveTreeClassifier = Classifier<FeatureVector> & AdaptiveTreeModel;
export type HoeffdingAdaptiveTreeRegressor = Estimator<FeatureVector> & AdaptiveTreeModel;

const CLASSIFIER = 'HoeffdingAdaptiveTreeClassifier';
const REGRESSOR = 'HoeffdingAdaptiveTreeRegressor';

interface Resolved {
  spec: TreeSpec;
  adaptive: AdaptiveSpec;
}

function resolveAdaptive(owner: string, c: AdaptiveConfig): AdaptiveSpec {
  return {
    driftDelta: numberField(owner, 'driftDelta', c.driftDelta, 0.002, isOpenFraction, 'in (0, 1)'),
    windowThreshold: numberField(owner, 'driftWindowThreshold', c.driftWindowThreshold, 300, isPositiveInteger, 'a positive integer'),
    significance: numberField(owner, 'switchSignificance', c.switchSignificance, 0.05, isOpenFraction, 'in (0, 1)'),
  };
}

function adaptiveJson(adaptive: AdaptiveSpec): JsonObject {
  return { driftDelta: adaptive.driftDelta, driftWindowThreshold: adaptive.windowThreshold, switchSignificance: adaptive.significance };
}

function resolveClassifier(config: HoeffdingAdaptiveTreeClassifierConfig): Resolved {
  const c = config ?? ({} as HoeffdingAdaptiveTreeClassifierConfig);
  return { spec: resolveClassifierSpec(CLASSIFIER, c), adaptive: resolveAdaptive(CLASSIFIER, c) };
}

function resolveRegressor(config: HoeffdingAdaptiveTreeRegressorConfig): Resolved {
  const c = config ?? ({} as HoeffdingAdaptiveTreeRegressorConfig);
  return { spec: resolveRegressorSpec(REGRESSOR, c), adaptive: resolveAdaptive(REGRESSOR, c) };
}

function classifierParts({ spec, adaptive }: Resolved): TreeKindParts<AdaptiveCore> {
  return { kind: CLASSIFIER, spec, core: new AdaptiveCore(spec, adaptive), config: { ...classifierJson(spec), ...adaptiveJson(adaptive) } };
}

function regressorParts({ spec, adaptive }: Resolved): TreeKindParts<AdaptiveCore> {
  return { kind: REGRESSOR, spec, core: new AdaptiveCore(spec, adaptive), config: { ...regressorJson(spec), ...adaptiveJson(adaptive) } };
}

export function createHoeffdingAdaptiveTreeClassifier(config: HoeffdingAdaptiveTreeClassifierConfig): HoeffdingAdaptiveTreeClassifier {
  return new TreeClassifierEstimator(classifierParts(resolveClassifier(config)));
}

export function createHoeffdingAdaptiveTreeRegressor(config: HoeffdingAdaptiveTreeRegressorConfig): HoeffdingAdaptiveTreeRegressor {
  return new TreeRegressorEstimator(regressorParts(resolveRegressor(config)));
}

export const hoeffdingAdaptiveTreeFromState: LearnerFactory = (state) =>
  new TreeClassifierEstimator(classifierParts(treeCheckpointConfig(state, resolveClassifier)), state.arrays);
export const hoeffdingAdaptiveTreeRegressorFromState: LearnerFactory = (state) =>
  new TreeRegressorEstimator(regressorParts(treeCheckpointConfig(state, resolveRegressor)), state.arrays);
