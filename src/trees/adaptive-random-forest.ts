import { ConfigError } from '../errors';
import { booleanField, choiceField, isOpenFraction, isPositive, isPositiveInteger, numberField } from '../learners/config-checks';
import type { Classifier, Estimator, FeatureVector, JsonObject } from '../learners/estimator';
import type { LearnerFactory } from '../learners/registry';
import type { TreeSpec } from './config';
import type { ForestSpec } from './forest';
import { ForestCore } from './forest';
import type { HoeffdingTreeClassifierConfig } from './hoeffding-tree-classifier';
import { classifierJson, resolveClassifierSpec } from './hoeffding-tree-classifier';
import type { HoeffdingTreeRegressorConfig } from './hoeffding-tree-regressor';
import { regressorJson, resolveRegressorSpec } from './hoeffding-tree-regressor';
import { TreeClassifierEstimator, TreeRegressorEstimator, treeCheckpointConfig, type TreeKindParts } from './tree-estimator';

/** What a forest adds to its trees' parameters (River's names in brackets). */
export interface ForestConfig {
  /** Trees [n_models]; default 10. */
  numModels?: number;
  /** Features each leaf may split on: `'sqrt'` (round(√d), River's default), `'log2'`, or a count [max_features]. */
  maxFeatures?: 'sqrt' | 'log2' | number;
  /** λ of online bagging's Poisson weights [lambda_value]; default 6. */
  lambda?: number;
  /** δ of each tree's warning ADWIN; default 0.01. */
  warningDelta?: number;
  /** δ of each tree's drift ADWIN; default 0.001. */
  driftDelta?: number;
}

export type ARFClassifierConfig = HoeffdingTreeClassifierConfig &
  ForestConfig & {
    /** Weight each tree's vote by its accuracy since it was (re)started; default true. */
    weightedVote?: boolean;
  };

export type ARFRegressorConfig = HoeffdingTreeRegressorConfig &
  ForestConfig & {
    /** How the trees' predictions combine; default `'median'` (River's default). */
    aggregation?: 'median' | 'mean';
  };

/** Forests expose the trees' mean-decrease-in-impurity importances, averaged over trees. */
export interface ForestModel {
  featureImportances(): Float64Array;
  /** Trees in the forest (background trees not counted). */
  readonly treeCount: number;
}

export type ARFClassifier = Classifier<FeatureVector> & ForestModel;
export type ARFRegressor = Estimator<FeatureVector> & ForestModel;

const CLASSIFIER = 'ARFClassifier';
const REGRESSOR = 'ARFRegressor';

/** River's ARF defaults for the trees, which differ from a single tree's. */
const TREE_DEFAULTS = { gracePeriod: 50, splitConfidence: 0.01, tieThreshold: 0.05 };

function subspace(owner: string, d: number, value: unknown): number {
  const v = value ?? 'sqrt';
  if (v === 'sqrt') return Math.max(1, Math.round(Math.sqrt(d)));
  if (v === 'log2') return Math.max(1, Math.round(Math.log2(d)));
  if (typeof v === 'number' && isPositiveInteger(v)) return Math.min(v, d);
  throw new ConfigError(`${owner}: maxFeatures must be 'sqrt', 'log2' or a positive integer, got ${JSON.stringify(v)}`);
}

function resolveForest(owner: string, c: ARFClassifierConfig | ARFRegressorConfig, regression: boolean): ForestSpec {
  return {
    numModels: numberField(owner, 'numModels', c.numModels, 10, (v) => isPositiveInteger(v) && v <= 1000, 'an integer in [1, 1000]'),
    lambda: numberField(owner, 'lambda', c.lambda, 6, (v) => isPositive(v) && v <= 100, 'in (0, 100]'),
    warningDelta: numberField(owner, 'warningDelta', c.warningDelta, 0.01, isOpenFraction, 'in (0, 1)'),
    driftDelta: numberField(owner, 'driftDelta', c.driftDelta, 0.001, isOpenFraction, 'in (0, 1)'),
    weightedVote: regression ? false : booleanField(owner, 'weightedVote', (c as ARFClassifierConfig).weightedVote, true),
    aggregation: regression ? choiceField(owner, 'aggregation', (c as ARFRegressorConfig).aggregation, 'median', ['median', 'mean']) : 'mean',
  };
}

function forestJson(spec: TreeSpec, forest: ForestSpec, maxFeatures: unknown): JsonObject {
  return {
    numModels: forest.numModels,
    maxFeatures: (maxFeatures ?? 'sqrt') as string | number,
    lambda: forest.lambda,
    warningDelta: forest.warningDelta,
    driftDelta: forest.driftDelta,
    ...(spec.numClasses > 0 ? { weightedVote: forest.weightedVote } : { aggregation: forest.aggregation }),
  };
}

interface Resolved {
  spec: TreeSpec;
  forest: ForestSpec;
  maxFeatures: unknown;
}

function resolveClassifier(config: ARFClassifierConfig): Resolved {
  const c = { ...TREE_DEFAULTS, ...config };
  const spec = resolveClassifierSpec(CLASSIFIER, c);
  return {
    spec: { ...spec, subspaceSize: subspace(CLASSIFIER, spec.numFeatures, c.maxFeatures) },
    forest: resolveForest(CLASSIFIER, c, false),
    maxFeatures: c.maxFeatures,
  };
}

function resolveRegressor(config: ARFRegressorConfig): Resolved {
  const c = { ...TREE_DEFAULTS, ...config };
  const spec = resolveRegressorSpec(REGRESSOR, c);
  return {
    spec: { ...spec, subspaceSize: subspace(REGRESSOR, spec.numFeatures, c.maxFeatures) },
    forest: resolveForest(REGRESSOR, c, true),
    maxFeatures: c.maxFeatures,
  };
}

function parts(kind: string, { spec, forest, maxFeatures }: Resolved, json: JsonObject): TreeKindParts<ForestCore> {
  return { kind, spec, core: new ForestCore(spec, forest), config: { ...json, ...forestJson(spec, forest, maxFeatures) } };
}

const classifierParts = (r: Resolved) => parts(CLASSIFIER, r, classifierJson(r.spec));
const regressorParts = (r: Resolved) => parts(REGRESSOR, r, regressorJson(r.spec));

export function createARFClassifier(config: ARFClassifierConfig): ARFClassifier {
  return new TreeClassifierEstimator(classifierParts(resolveClassifier(config)));
}

export function createARFRegressor(config: ARFRegressorConfig): ARFRegressor {
  return new TreeRegressorEstimator(regressorParts(resolveRegressor(config)));
}

export const arfClassifierFromState: LearnerFactory = (state) =>
  new TreeClassifierEstimator(classifierParts(treeCheckpointConfig(state, resolveClassifier)), state.arrays);
export const arfRegressorFromState: LearnerFactory = (state) =>
  new TreeRegressorEstimator(regressorParts(treeCheckpointConfig(state, resolveRegressor)), state.arrays);
