/** The learners: importing this module registers every kind with `fromState`. */
export * from './estimator';
export { fromState, registerLearner } from './registry';
export type { LearnerFactory } from './registry';
export type { LinearConfig } from './linear-config';
export type { LinearModel } from './linear-learner';
export type { WeightDtype } from './linear-weights';
export type { RegressionLossName, ClassificationLossName } from './losses';
export type { AdagradConfig, AdamConfig, FtrlConfig, NormalizedConfig, OptimizerConfig, SgdConfig, SgdSchedule } from './optimizers/config';
export { createLinearRegression } from './linear-regression';
export type { LinearRegression, LinearRegressionConfig } from './linear-regression';
export { createLogisticRegression } from './logistic-regression';
export type { LogisticRegression, LogisticRegressionConfig } from './logistic-regression';
export { createSoftmaxRegression } from './softmax-regression';
export type { SoftmaxRegression, SoftmaxRegressionConfig } from './softmax-regression';
export { createLinearSVM } from './linear-svm';
export type { LinearSVM, LinearSVMConfig } from './linear-svm';
export { indexLabels, labelIndexedFromState, LABEL_INDEXED_KIND } from './label-indexer';
export type { Label, LabelIndexed, LabelIndexerConfig } from './label-indexer';
