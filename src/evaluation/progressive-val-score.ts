import { isObservable, lastValueFrom, tap, type Observable } from 'rxjs';
import { ConfigError, DecodeError } from '../errors';
import { describeValue, integerField } from '../features/config';
import type { Classifier, Estimator } from '../learners/estimator';
import type { Metric } from './metric';

/** A labelled example: features and target (a class index or a regression value). */
export type Example<X> = readonly [X, number];

export type ExampleStream<X> = Iterable<Example<X>> | AsyncIterable<Example<X>> | Observable<Example<X>>;

/** The metric's value after `step` examples; a snapshot of the score, not a model checkpoint. */
export interface MetricCheckpoint {
  step: number;
  value: number;
}

export interface ProgressiveOptions {
  /** Takes a `MetricCheckpoint` every this many examples. */
  checkpointEvery?: number;
  /** Called with each checkpoint as it is taken, e.g. to log progress. */
  onCheckpoint?: (checkpoint: MetricCheckpoint) => void;
}

export interface ProgressiveResult {
  metric: Metric;
  /** Examples seen; each was predicted, then learnt. */
  steps: number;
  /** Examples whose prediction was NaN (e.g. dropped by a pipeline stage), so not scored. */
  unscored: number;
  checkpoints: MetricCheckpoint[];
}

/**
 * Prequential (test-then-train) evaluation, River's `progressive_val_score`: for each example the model
 * predicts, the metric scores the prediction, then the model learns the example, so every example is
 * scored by a model that has not seen it. Which prediction is scored follows `metric.needs`; for
 * 'probability' the model must be a binary classifier and P(class 1) is scored. A model that offers the
 * fused `predictThenLearnOne` (`predictProbaThenLearnOne`) is stepped with it, the same prediction and
 * learning in one call; the example is then scored right after, so an example the model refuses to learn
 * is not scored.
 */
export async function progressiveValScore<X>(
  stream: ExampleStream<X>,
  model: Estimator<X>,
  metric: Metric,
  options: ProgressiveOptions = {},
): Promise<ProgressiveResult> {
  const every = integerField(
    'progressiveValScore',
    'checkpointEvery',
    options.checkpointEvery,
    0,
    0,
    Number.MAX_SAFE_INTEGER,
  );
  const result: ProgressiveResult = { metric, steps: 0, unscored: 0, checkpoints: [] };
  const score = (y: number, prediction: number): void => {
    if (Number.isNaN(prediction)) result.unscored++;
    else metric.update(y, prediction);
  };
  const testThenTrain = tester(model, metric, score);

  const step = (example: Example<X>): void => {
    if (!Array.isArray(example) || example.length !== 2) {
      throw new DecodeError(
        'SCHEMA',
        `progressiveValScore: example ${result.steps} must be [x, y], got ${describeValue(example)}`,
      );
    }
    testThenTrain(example[0], example[1]);
    result.steps++;
    if (every > 0 && result.steps % every === 0) {
      const checkpoint = { step: result.steps, value: metric.get() };
      result.checkpoints.push(checkpoint);
      options.onCheckpoint?.(checkpoint);
    }
  };

  if (isObservable(stream)) await lastValueFrom(stream.pipe(tap(step)), { defaultValue: undefined });
  else if (Symbol.iterator in stream) for (const example of stream) step(example);
  else for await (const example of stream) step(example);
  return result;
}

/** Predicts `x` as the metric needs, has `score` score it, and makes the model learn `(x, y)`. */
function tester<X>(
  model: Estimator<X>,
  metric: Metric,
  score: (y: number, prediction: number) => void,
): (x: X, y: number) => void {
  if (metric.needs !== 'probability') {
    const fused = model.predictThenLearnOne;
    if (fused !== undefined) return (x, y) => score(y, fused.call(model, x, y));
    return (x, y) => {
      score(y, model.predictOne(x));
      model.learnOne(x, y);
    };
  }
  const classifier = model as Partial<Classifier<X>>;
  const predictProba = classifier.predictProbaOne;
  if (typeof predictProba !== 'function' || classifier.numClasses !== 2) {
    throw new ConfigError(
      `progressiveValScore: ${metric.kind} scores probabilities; ${model.kind} is not a binary classifier`,
    );
  }
  const probabilities = new Float64Array(2);
  const fused = classifier.predictProbaThenLearnOne;
  if (fused !== undefined) return (x, y) => score(y, fused.call(model, x, y, probabilities)[1]);
  return (x, y) => {
    score(y, predictProba.call(model, x, probabilities)[1]);
    model.learnOne(x, y);
  };
}
