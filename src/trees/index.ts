/**
 * Hoeffding trees and forests: HoeffdingTreeClassifier, HoeffdingTreeRegressor,
 * HoeffdingAdaptiveTreeClassifier, HoeffdingAdaptiveTreeRegressor, ARFClassifier, ARFRegressor. src/builtins.ts registers their kinds.
 */
export { createHoeffdingTreeClassifier } from './hoeffding-tree-classifier';
export type { HoeffdingTreeClassifier, HoeffdingTreeClassifierConfig } from './hoeffding-tree-classifier';
export { createHoeffdingTreeRegressor } from './hoeffding-tree-regressor';
export type { HoeffdingTreeRegressor, HoeffdingTreeRegressorConfig } from './hoeffding-tree-regressor';
export { createHoeffdingAdaptiveTreeClassifier, createHoeffdingAdaptiveTreeRegressor } from './hoeffding-adaptive-tree';
export type {
  AdaptiveConfig,
  AdaptiveTreeModel,
  HoeffdingAdaptiveTreeClassifier,
  HoeffdingAdaptiveTreeClassifierConfig,
  HoeffdingAdaptiveTreeRegressor,
  HoeffdingAdaptiveTreeRegressorConfig,
} from './hoeffding-adaptive-tree';
export { createARFClassifier, createARFRegressor } from './adaptive-random-forest';
export type { ARFClassifier, ARFClassifierConfig, ARFRegressor, ARFRegressorConfig, ForestConfig, ForestModel } from './adaptive-random-forest';
export type { ClassLeafPrediction, ClassSplitCriterion, NumericObserver, RegressionLeafPrediction, TreeConfig } from './config';

/** The registry keys of the tree kinds, for code that lists them (conformance, docs). */
export const TREE_KINDS = [
  'HoeffdingTreeClassifier',
  'HoeffdingTreeRegressor',
  'HoeffdingAdaptiveTreeClassifier',
  'HoeffdingAdaptiveTreeRegressor',
  'ARFClassifier',
  'ARFRegressor',
] as const;
