import { isObservable, lastValueFrom, tap, type Observable } from 'rxjs';
import { ConfigError, DecodeError } from '../errors';
import { describeValue, integerField } from '../features/config';
import type { Classifier, Estimator } from '../learners/estimator';
import type { Metric } from './metric';
import { checkMetrics, predictionKinds, scoreExample } from './test-then-train';

/** A labelled example: features and target (a class index or a regression value). */
export type Example<X> = readonly [X, number];

export type ExampleStream<X> = Iterable<Example<X>> | AsyncIterable<Example<X>> | Observable<Example<X>>;

/** The metrics' values after `step` examples; a snapshot of the scores, not a model checkpoint. */
export interface MetricCheckpoint {
  step: number;
  /** The first metric's value. */
  value: number;
  /** Every metric's value, by name. */
  values: Record<string, number>;
}

export interface ProgressiveOptions {
  /** Takes a `MetricCheckpoint` every this many examples. */
  checkpointEvery?: number;
  /** Called with each checkpoint as it is taken, e.g. to log progress. */
  onCheckpoint?: (checkpoint: MetricCheckpoint) => void;
}

/** One metric, several (named by their kinds, which must then differ), or several by name. */
export type MetricsArgument = Metric | readonly Metric[] | Readonly<Record<string, Metric>>;

export interface ProgressiveResult {
  /** The first metric. */
  metric: Metric;
  /** Every metric, by name (its kind unless named). */
  metrics: Record<string, Metric>;
  /** Examples seen; each was predicted, then learnt. */
  steps: number;
  /** Examples whose prediction was NaN (e.g. dropped by a pipeline stage), so not scored. */
  unscored: number;
  checkpoints: MetricCheckpoint[];
}

function isMetric(value: unknown): value is Metric {
  return typeof (value as Partial<Metric>).update === 'function' && typeof (value as Partial<Metric>).get === 'function';
}

function namedMetrics(argument: MetricsArgument): Record<string, Metric> {
  if (isMetric(argument)) return { [argument.kind]: argument };
  const entries: [string, Metric][] = Array.isArray(argument) ? argument.map((m: Metric) => [m.kind, m]) : Object.entries(argument);
  const named: Record<string, Metric> = {};
  for (const [name, metric] of entries) {
    if (!isMetric(metric)) throw new ConfigError(`progressiveValScore: metric "${name}" is not a metric, got ${describeValue(metric)}`);
    if (name in named) throw new ConfigError(`progressiveValScore: two metrics are named "${name}"; pass them as { name: metric }`);
    named[name] = metric;
  }
  if (Object.keys(named).length === 0) throw new ConfigError('progressiveValScore: give at least one metric');
  return named;
}

/**
 * Prequential (test-then-train) evaluation, River's `progressive_val_score`: for each example the model
 * predicts, every metric scores the prediction it needs, then the model learns the example, so every
 * example is scored by a model that has not seen it. Which prediction a metric scores follows its
 * `needs`: 'probability' asks a binary classifier for P(class 1), 'trueClassProbability' any classifier
 * for the probability of the true class. When the metrics need one kind of prediction and the model
 * offers the fused `predictThenLearnOne` (`predictProbaThenLearnOne`), it is stepped with it, the same
 * prediction and learning in one call; the example is then scored right after, so an example the model
 * refuses to learn is not scored.
 */
export async function progressiveValScore<X>(
  stream: ExampleStream<X>,
  model: Estimator<X>,
  metrics: MetricsArgument,
  options: ProgressiveOptions = {},
): Promise<ProgressiveResult> {
  const every = integerField('progressiveValScore', 'checkpointEvery', options.checkpointEvery, 0, 0, Number.MAX_SAFE_INTEGER);
  const named = namedMetrics(metrics);
  const list = Object.values(named);
  const result: ProgressiveResult = { metric: list[0], metrics: named, steps: 0, unscored: 0, checkpoints: [] };
  const testThenTrain = tester(model, list, () => result.unscored++);

  const step = (example: Example<X>): void => {
    if (!Array.isArray(example) || example.length !== 2) {
      throw new DecodeError('SCHEMA', `progressiveValScore: example ${result.steps} must be [x, y], got ${describeValue(example)}`);
    }
    testThenTrain(example[0], example[1]);
    result.steps++;
    if (every > 0 && result.steps % every === 0) {
      const values = Object.fromEntries(Object.entries(named).map(([name, metric]) => [name, metric.get()]));
      const checkpoint = { step: result.steps, value: list[0].get(), values };
      result.checkpoints.push(checkpoint);
      options.onCheckpoint?.(checkpoint);
    }
  };

  if (isObservable(stream)) await lastValueFrom(stream.pipe(tap(step)), { defaultValue: undefined });
  else if (Symbol.iterator in stream) for (const example of stream) step(example);
  else for await (const example of stream) step(example);
  return result;
}

/**
 * Predicts `x` as the metrics need, scores each, and makes the model learn `(x, y)`; `unscored` counts NaN
 * predictions. The checks and the scoring are the shared test-then-train step's (./test-then-train); one
 * example at a time, a model's fused `predictThenLearnOne` does the predicting and learning in one call.
 */
function tester<X>(model: Estimator<X>, metrics: readonly Metric[], unscored: () => void): (x: X, y: number) => void {
  checkMetrics('progressiveValScore', model, metrics);
  const needs = predictionKinds(metrics);
  const classifier = model as Partial<Classifier<X>>;
  const width = classifier.numClasses ?? 0;
  const score = (y: number, label: number, probabilities?: Float64Array): void => {
    if (!scoreExample(metrics, y, label, probabilities, 0, width)) unscored();
  };
  const probabilities = needs.probabilities ? new Float64Array(classifier.numClasses ?? 2) : undefined;
  const fusedLabel = model.predictThenLearnOne;
  if (!needs.probabilities && fusedLabel !== undefined) return (x, y) => score(y, fusedLabel.call(model, x, y));
  const fusedProba = classifier.predictProbaThenLearnOne;
  if (!needs.labels && probabilities !== undefined && fusedProba !== undefined) {
    return (x, y) => score(y, NaN, fusedProba.call(model, x, y, probabilities));
  }
  return (x, y) => {
    const label = needs.labels ? model.predictOne(x) : NaN;
    const p = probabilities !== undefined ? (classifier.predictProbaOne as Classifier<X>['predictProbaOne']).call(model, x, probabilities) : undefined;
    score(y, label, p);
    model.learnOne(x, y);
  };
}
