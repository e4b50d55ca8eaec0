/** Online feature importance (iPFI, standardized coefficients), selection by importance, and its publication. */
export type { FeatureImportance, FeatureScore, ImportanceMethod, ImportanceSnapshot, ImportanceSource, ScoresState } from './snapshot';
export { rankScores, standardError } from './snapshot';
export type { FeatureList, FeatureSpace } from './feature-space';
export { rowFeatures, vectorFeatures } from './feature-space';
export type { ImportanceLoss } from './losses';
export type { Reservoir, ReservoirKind } from './reservoir';
export { createReservoir } from './reservoir';
export type { SmoothingConfig } from './config';
export { createIncrementalPfi } from './incremental-pfi';
export type { IncrementalPfi, IncrementalPfiConfig } from './incremental-pfi';
export { createCoefficientImportance } from './coefficient-importance';
export type { CoefficientImportanceConfig } from './coefficient-importance';
export { createSplitGainImportance, isSplitGainModel } from './split-gain-importance';
export type { SplitGainImportanceConfig, SplitGainModel } from './split-gain-importance';
export { createSelection } from './selection';
export type { Selection, SelectionConfig, SelectionState } from './selection';
export { createImportanceSelector, IMPORTANCE_SELECTOR_KIND, importanceSelectorFromState } from './importance-selector';
export type { ImportanceSelector, ImportanceSelectorConfig, RankerImportanceConfig } from './importance-selector';
export { averageRanks, spearman } from './rank-correlation';
export {
  IMPORTANCE_EXTRA_KEY,
  formatRanking,
  importanceExtra,
  importanceMessage,
  parseImportanceRecord,
  readImportanceExtra,
  scoresFromSnapshot,
} from './publish';
export type { ImportanceRecord } from './publish';
export { pipelineImportance, selectorImportance, splitGainImportance } from './model-importance';
export type { ModelImportance, PipelineImportanceConfig } from './model-importance';
