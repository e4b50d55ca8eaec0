/** Prequential evaluation: metrics, overall or over a window, and `progressiveValScore`. */
export type { Metric, MetricConfig, MetricState, PredictionKind } from './metric';
export { createAccuracy, createCrossEntropy, createF1, createLogLoss } from './classification-metrics';
export { createMae, createR2, createRmse } from './regression-metrics';
export { createRocAuc } from './roc-auc';
export type { RocAucConfig } from './roc-auc';
export { metricFromState } from './registry';
export { progressiveValScore } from './progressive-val-score';
export type { Example, ExampleStream, MetricCheckpoint, MetricsArgument, ProgressiveOptions, ProgressiveResult } from './progressive-val-score';
export { checkMetrics, scoreExample, testThenTrainBatch } from './test-then-train';
export type { BatchOutcome, BatchStep } from './test-then-train';
