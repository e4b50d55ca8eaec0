import { isPositiveInteger, numberField, choiceField } from '../learners/config-checks';
import type { Classifier, FeatureVector, JsonObject } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import type { ClassLeafPrediction, ClassSplitCriterion, TreeConfig, TreeSpec } from './config';
import { commonJson, resolveCommon, resolveObserver } from './config';
import { HoeffdingCore } from './hoeffding-core';
import { TreeClassifierEstimator, treeCheckpointConfig, type TreeKindParts } from './tree-estimator';

/** A Hoeffding tree (VFDT) classifier; labels are class indices 0 … numClasses-1. */
export interface HoeffdingTreeClassifierConfig extends TreeConfig {
  /** Required; at least 2. */
  numClasses: number;
  /** Default `'infoGain'`. */
  splitCriterion?: ClassSplitCriterion;
  /** Default `'adaptiveNaiveBayes'` (River's and MOA's default). */
  leafPrediction?: ClassLeafPrediction;
}

export interface HoeffdingTreeClassifier extends Classifier<FeatureVector> {
  /** Mean decrease in impurity (split gain × weight) per feature, summing to 1; zeros before any split. */
  featureImportances(): Float64Array;
  /** Nodes in the tree (inner and leaves). */
  readonly nodeCount: number;
}

const KIND = 'HoeffdingTreeClassifier';

export function resolveClassifierSpec(owner: string, config: HoeffdingTreeClassifierConfig): TreeSpec {
  const common = resolveCommon(owner, config);
  const c = config ?? ({} as HoeffdingTreeClassifierConfig);
  const numClasses = numberField(owner, 'numClasses', c.numClasses, Number.NaN, (v) => isPositiveInteger(v) && v >= 2, 'an integer ≥ 2');
  return {
    ...common,
    numClasses,
    criterion: choiceField<ClassSplitCriterion>(owner, 'splitCriterion', c.splitCriterion, 'infoGain', ['infoGain', 'gini']),
    observer: resolveObserver(owner, c.numericObserver),
    leafPrediction: choiceField<ClassLeafPrediction>(owner, 'leafPrediction', c.leafPrediction, 'adaptiveNaiveBayes', [
      'majorityClass',
      'naiveBayes',
      'adaptiveNaiveBayes',
    ]),
    learningRate: 0,
    subspaceSize: common.numFeatures,
  };
}

export function classifierJson(spec: TreeSpec): JsonObject {
  return {
    ...commonJson(spec),
    numClasses: spec.numClasses,
    splitCriterion: spec.criterion,
    numericObserver: spec.observer,
    leafPrediction: spec.leafPrediction,
  };
}

function parts(spec: TreeSpec): TreeKindParts<HoeffdingCore> {
  return { kind: KIND, spec, core: new HoeffdingCore(spec, spec.seed), config: classifierJson(spec) };
}

export function createHoeffdingTreeClassifier(config: HoeffdingTreeClassifierConfig): HoeffdingTreeClassifier {
  return new TreeClassifierEstimator(parts(resolveClassifierSpec(KIND, config)));
}

export const hoeffdingTreeClassifierFromState: LearnerFactory = (state) =>
  new TreeClassifierEstimator(parts(treeCheckpointConfig(state, (c: HoeffdingTreeClassifierConfig) => resolveClassifierSpec(KIND, c))), state.arrays);
