/**
 * The one test-then-train step: the topology runtime, `progressiveValScore`, the recommender evaluation
 * and the select-then-mlp comparison all score predictions through it, so that they cannot drift apart
 * (issue 12 found the runtime scoring `probabilities[i*2+1]` whatever the number of classes).
 */

import { ConfigError } from '../errors';
import type { Classifier, Estimator, FeatureRows, LearnReport, RowLearner } from '../learners/estimator';
import type { Metric, PredictionKind } from './metric';

function asClassifier<X>(model: Estimator<X>): Partial<Classifier<X>> {
  return model as Partial<Classifier<X>>;
}

/**
 * Refuses, naming `owner`, a metric the model cannot feed: 'probability' scores P(class 1), which only a
 * binary classifier has; 'trueClassProbability' needs a classifier's probabilities.
 */
export function checkMetrics<X>(owner: string, model: Estimator<X>, metrics: readonly Metric[]): void {
  const classifier = asClassifier(model);
  for (const metric of metrics) {
    if (metric.needs === 'probability' && (typeof classifier.predictProbaOne !== 'function' || classifier.numClasses !== 2)) {
      throw new ConfigError(`${owner}: ${metric.kind} scores P(class 1); ${model.kind} is not a binary classifier`);
    }
    if (metric.needs === 'trueClassProbability' && typeof classifier.predictProbaOne !== 'function') {
      throw new ConfigError(`${owner}: ${metric.kind} scores class probabilities; ${model.kind} is not a classifier`);
    }
  }
}

/**
 * The prediction a metric of `needs` scores for one example: the label (or value), or from the example's
 * `width` class probabilities starting at `offset`, P(class 1) or P(true class). NaN when there is none
 * (a dropped example, or a label that is no class index), which the caller leaves unscored.
 */
export function predictionFor(needs: PredictionKind, y: number, label: number, probabilities: ArrayLike<number> | undefined, offset = 0, width = 0): number {
  if (needs === 'label' || needs === 'value') return label;
  if (probabilities === undefined) return NaN;
  if (needs === 'probability') return probabilities[offset + 1];
  return Number.isInteger(y) && y >= 0 && y < width ? probabilities[offset + y] : NaN;
}

/** Whether some metric needs labels (or values), and whether some needs probabilities. */
export function predictionKinds(metrics: readonly Metric[]): { labels: boolean; probabilities: boolean } {
  return {
    labels: metrics.some((m) => m.needs === 'label' || m.needs === 'value'),
    probabilities: metrics.some((m) => m.needs === 'probability' || m.needs === 'trueClassProbability'),
  };
}

/** Scores one example's predictions with every metric; returns false when some prediction was NaN (left unscored). */
export function scoreExample(metrics: readonly Metric[], y: number, label: number, probabilities?: ArrayLike<number>, offset = 0, width = 0): boolean {
  let scored = true;
  for (const metric of metrics) {
    const prediction = predictionFor(metric.needs, y, label, probabilities, offset, width);
    if (Number.isNaN(prediction)) scored = false;
    else metric.update(y, prediction);
  }
  return scored;
}

export interface BatchStep<X> {
  model: Estimator<X>;
  metrics: readonly Metric[];
  /** The batch view: what the model predicts and learns. */
  xs: readonly X[];
  ys: ArrayLike<number>;
  /** Named by the model's errors, e.g. `topic/partition@first..last`. */
  where?: string;
  /** Called once the batch is scored and before it is learned (online feature importance). */
  beforeLearn?(): void;
}

export interface BatchOutcome {
  /** The label (or value) predicted for each example before it was learned; NaN where none (a dropped example). */
  predictions: Float64Array;
  /** Examples left unscored because a prediction was NaN. */
  unscored: number;
  report: void | LearnReport;
}

/**
 * Test-then-train on a batch view: predicts every example with the model as it stands, scores each metric
 * with the prediction it needs, then learns the batch in one `learnMany`. Every prediction precedes the
 * learning of its own example; with batches of one this is River's `progressive_val_score` order, with
 * larger ones Spark streaming's `predictOn`/`trainOn`. Call `checkMetrics` once before the first batch.
 */
export function testThenTrainBatch<X>(step: BatchStep<X>): BatchOutcome {
  const { model, metrics, xs, ys } = step;
  const classifier = asClassifier(model);
  // Labels always: callers publish them (the runtime's predictions topic), not only score them.
  const predictions = model.predictMany(xs);
  const probabilities = predictionKinds(metrics).probabilities ? (classifier as Classifier<X>).predictProbaMany(xs) : undefined;
  const unscored = scoreBatch(metrics, ys, predictions, probabilities, classifier.numClasses ?? 0);
  step.beforeLearn?.();
  return { predictions, unscored, report: model.learnMany(xs, ys, step.where) };
}

export interface RowsStep extends Omit<BatchStep<never>, 'xs' | 'model'> {
  model: Estimator & RowLearner;
  /** The batch's rows, read in place: no view object per row. */
  rows: FeatureRows;
}

/**
 * `testThenTrainBatch` for a learner that reads a feature batch's rows in place (`RowLearner`): the same
 * predictions, scores and learned model, bit for bit; labels and probabilities come from one pass.
 */
export function testThenTrainRows(step: RowsStep): BatchOutcome {
  const { model, metrics, rows, ys } = step;
  const width = asClassifier(model).numClasses ?? 0;
  const predictions = new Float64Array(rows.count);
  const probabilities = predictionKinds(metrics).probabilities ? new Float64Array(rows.count * width) : undefined;
  model.predictRows(rows, predictions, probabilities);
  const unscored = scoreBatch(metrics, ys, predictions, probabilities, width);
  step.beforeLearn?.();
  return { predictions, unscored, report: model.learnRows(rows, ys, step.where) };
}

/**
 * Scores every example; returns how many were left unscored. Metrics with a batch form take the batch in
 * one call each (the same state: each metric sees the same pairs in the same order): those of values
 * always, those of labels and P(class 1) when every label and prediction is class 0 or 1 and every
 * P(class 1) is in [0, 1] (the pairs no built-in refuses, so no error can come between two metrics' rows).
 * A batch with a non-finite label or an infinite prediction is scored row by row, so that the error and
 * what was scored before it are the row form's.
 */
export function scoreBatch(
  metrics: readonly Metric[],
  ys: ArrayLike<number>,
  predictions: Float64Array,
  probabilities: Float64Array | undefined,
  width: number,
): number {
  const unscored = batchable(ys, predictions);
  if (unscored < 0) return scoreRows(metrics, ys, predictions, probabilities, width);
  const classes = unscored === 0 ? classColumn(metrics, ys, predictions, probabilities, width) : undefined;
  const inBatch = (metric: Metric) =>
    metric.updateMany !== undefined &&
    (metric.needs === 'value' || (classes !== undefined && (metric.needs === 'label' || (metric.needs === 'probability' && classes.scores !== undefined))));
  const rest = metrics.filter((metric) => !inBatch(metric));
  // `batchable` saw every pair finite or NaN-predicted: the metrics need not scan the batch again.
  for (const metric of metrics) if (inBatch(metric)) metric.updateMany!(ys, metric.needs === 'probability' ? classes!.scores! : predictions, true);
  if (rest.length === 0) return unscored;
  // A row is unscored when any metric's prediction is NaN: the batched ones' (its value) or the rest's.
  return scoreRows(rest, ys, predictions, probabilities, width, rest.length < metrics.length);
}

/** P(class 1) of each example, reused from one batch to the next. */
let probabilityColumn = new Float64Array(0);

/**
 * When every label and prediction is class 0 or 1 and every P(class 1) (when some metric scores it) is in
 * [0, 1]: the column of P(class 1) (undefined when no metric needs it). Undefined otherwise.
 */
function classColumn(
  metrics: readonly Metric[],
  ys: ArrayLike<number>,
  predictions: Float64Array,
  probabilities: Float64Array | undefined,
  width: number,
): { scores?: Float64Array } | undefined {
  const n = predictions.length;
  for (let i = 0; i < n; i++) {
    const y = ys[i];
    const label = predictions[i];
    if ((y !== 0 && y !== 1) || (label !== 0 && label !== 1)) return undefined;
  }
  if (probabilities === undefined || width !== 2 || !metrics.some((metric) => metric.needs === 'probability')) return {};
  if (probabilityColumn.length < n) probabilityColumn = new Float64Array(Math.max(n, 2 * probabilityColumn.length));
  const scores = probabilityColumn.subarray(0, n);
  for (let i = 0; i < n; i++) {
    const p = probabilities[2 * i + 1];
    if (!(p >= 0 && p <= 1)) return undefined;
    scores[i] = p;
  }
  return { scores };
}

/** How many predictions are NaN, or -1 when a scored pair is not finite (a label, or an infinite prediction). */
function batchable(ys: ArrayLike<number>, predictions: Float64Array): number {
  let unscored = 0;
  for (let i = 0; i < predictions.length; i++) {
    const prediction = predictions[i];
    if (Number.isNaN(prediction)) unscored++;
    else if (!Number.isFinite(prediction) || !Number.isFinite(ys[i])) return -1;
  }
  return unscored;
}

function scoreRows(
  metrics: readonly Metric[],
  ys: ArrayLike<number>,
  predictions: Float64Array,
  probabilities: Float64Array | undefined,
  width: number,
  valuesScored = false,
): number {
  let unscored = 0;
  for (let i = 0; i < predictions.length; i++) {
    const scored = scoreExample(metrics, ys[i], predictions[i], probabilities, i * width, width);
    if (!scored || (valuesScored && Number.isNaN(predictions[i]))) unscored++;
  }
  return unscored;
}
