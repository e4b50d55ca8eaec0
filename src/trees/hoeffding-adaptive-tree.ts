import { isOpenFraction, isPositiveInteger, numberField } from '../learners/config-checks';
import type { Classifier, Estimator, FeatureVector, JsonObject, TypedArray } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import type { AdaptiveSpec } from './adaptive-core';
import { AdaptiveCore } from './adaptive-core';
import type { TreeSpec } from './config';
import type { HoeffdingTreeClassifierConfig } from './hoeffding-tree-classifier';
import { classifierJson, resolveClassifierSpec } from './hoeffding-tree-classifier';
import type { HoeffdingTreeRegressorConfig } from './hoeffding-tree-regressor';
import { regressorJson, resolveRegressorSpec } from './hoeffding-tree-regressor';
import { TreeClassifierEstimator, TreeRegressorEstimator, treeCheckpointConfig } from './tree-estimator';

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

class AdaptiveClassifierLearner extends TreeClassifierEstimator implements HoeffdingAdaptiveTreeClassifier {
  readonly kind = CLASSIFIER;
  private readonly tree: AdaptiveCore;

  constructor(
    private readonly resolved: Resolved,
    arrays?: Record<string, TypedArray>,
  ) {
    super(resolved.spec);
    this.tree = new AdaptiveCore(resolved.spec, resolved.adaptive);
    if (arrays !== undefined) this.tree.importFrom(arrays, '');
  }

  get nodeCount(): number {
    return this.tree.nodes.count;
  }

  get switches(): number {
    return this.tree.switches;
  }

  protected learnRow(row: Float64Array, y: number): void {
    this.tree.learnRow(row, y);
  }

  protected probaRow(row: Float64Array, out: Float64Array): void {
    this.tree.predictOption(row, out);
  }

  featureImportances(): Float64Array {
    return this.tree.featureImportances();
  }

  protected configJson(): JsonObject {
    return { ...classifierJson(this.spec), ...adaptiveJson(this.resolved.adaptive) };
  }

  protected exportArrays(arrays: Record<string, TypedArray>): void {
    this.tree.exportTo(arrays, '');
  }
}

class AdaptiveRegressorLearner extends TreeRegressorEstimator implements HoeffdingAdaptiveTreeRegressor {
  readonly kind = REGRESSOR;
  private readonly tree: AdaptiveCore;

  constructor(
    private readonly resolved: Resolved,
    arrays?: Record<string, TypedArray>,
  ) {
    super(resolved.spec);
    this.tree = new AdaptiveCore(resolved.spec, resolved.adaptive);
    if (arrays !== undefined) this.tree.importFrom(arrays, '');
  }

  get nodeCount(): number {
    return this.tree.nodes.count;
  }

  get switches(): number {
    return this.tree.switches;
  }

  protected learnRow(row: Float64Array, y: number): void {
    this.tree.learnRow(row, y);
  }

  protected predictRow(row: Float64Array): number {
    return this.tree.predictMean(row);
  }

  featureImportances(): Float64Array {
    return this.tree.featureImportances();
  }

  protected configJson(): JsonObject {
    return { ...regressorJson(this.spec), ...adaptiveJson(this.resolved.adaptive) };
  }

  protected exportArrays(arrays: Record<string, TypedArray>): void {
    this.tree.exportTo(arrays, '');
  }
}

export function createHoeffdingAdaptiveTreeClassifier(config: HoeffdingAdaptiveTreeClassifierConfig): HoeffdingAdaptiveTreeClassifier {
  return new AdaptiveClassifierLearner(resolveClassifier(config));
}

export function createHoeffdingAdaptiveTreeRegressor(config: HoeffdingAdaptiveTreeRegressorConfig): HoeffdingAdaptiveTreeRegressor {
  return new AdaptiveRegressorLearner(resolveRegressor(config));
}

export const hoeffdingAdaptiveTreeFromState: LearnerFactory = (state) =>
  new AdaptiveClassifierLearner(treeCheckpointConfig(state, resolveClassifier), state.arrays);
export const hoeffdingAdaptiveTreeRegressorFromState: LearnerFactory = (state) =>
  new AdaptiveRegressorLearner(treeCheckpointConfig(state, resolveRegressor), state.arrays);
