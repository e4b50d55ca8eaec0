import { ConfigError, StreamlearnError } from '../../errors';
import type { Metric } from '../../evaluation/metric';
import type { Pipeline } from '../../features/pipeline';
import type { Row } from '../../features/stage';
import type { Classifier, FeatureVector } from '../../learners/estimator';
import type { ModelSlot } from '../model-slot';
import { isClassifier } from '../restore';
import type { TopologyModel } from '../topology';

/** A vetted batch: rows, the features vetting computed for them (null when a stage drops the row), labels. */
export interface StepInput {
  rows: Row[];
  vectors: (FeatureVector | null)[];
  ys: Float64Array;
  /** `topic/partition@first..last`, named by errors. */
  where: string;
}

export type StepOutcome = { predictions: Float64Array } | { error: StreamlearnError };

/**
 * Predictions for vetted events. A pipeline's final estimator is asked directly with the features vetting
 * already computed (the same statistics, since nothing has learned since), which spares the stages a pass
 * per prediction kind; other models predict from the events.
 */
function predictions(model: TopologyModel, { rows, vectors }: StepInput, kind: 'labels' | 'probabilities'): Float64Array {
  const inner = (model as Partial<Pipeline>).model;
  const probabilities = kind === 'probabilities';
  if (inner === undefined || !Array.isArray((model as Partial<Pipeline>).stages)) {
    return probabilities ? (model as TopologyModel & Classifier<Row>).predictProbaMany(rows) : model.predictMany(rows);
  }
  const width = probabilities ? (inner as Classifier).numClasses : 1;
  const kept = vectors.flatMap((vector) => (vector === null ? [] : [vector]));
  const computed = probabilities ? (inner as Classifier).predictProbaMany(kept) : inner.predictMany(kept);
  const out = new Float64Array(rows.length * width).fill(NaN);
  let k = 0;
  vectors.forEach((vector, i) => {
    if (vector !== null) out.set(computed.subarray(k * width, ++k * width), i * width);
  });
  return out;
}

/** Probability metrics score P(class 1), which only a binary classifier has: refused otherwise, as `progressiveValScore` does. */
function binaryClassifier(model: TopologyModel, metric: Metric): TopologyModel & Classifier<Row> {
  if (!isClassifier(model) || model.numClasses !== 2) {
    throw new ConfigError(`topology metric ${metric.kind} scores P(class 1); ${model.kind} is not a binary classifier`);
  }
  return model;
}

/** Scores each metric with the prediction kind it needs; every prediction precedes the learning of its event. */
function score(model: TopologyModel, metrics: Record<string, Metric>, input: StepInput): Float64Array {
  const { ys } = input;
  const labels = predictions(model, input, 'labels');
  let probabilities: Float64Array | undefined;
  for (const metric of Object.values(metrics)) {
    if (metric.needs === 'probability') {
      probabilities ??= predictions(binaryClassifier(model, metric), input, 'probabilities');
      for (let i = 0; i < ys.length; i++) if (!Number.isNaN(probabilities[i * 2 + 1])) metric.update(ys[i], probabilities[i * 2 + 1]);
    } else if (metric.needs === 'trueClassProbability' && isClassifier(model)) {
      // Cross-entropy: the probability of the true class, for any number of classes (vetting made ys class indexes).
      probabilities ??= predictions(model, input, 'probabilities');
      const k = model.numClasses;
      for (let i = 0; i < ys.length; i++) if (!Number.isNaN(probabilities[i * k + ys[i]])) metric.update(ys[i], probabilities[i * k + ys[i]]);
    } else {
      for (let i = 0; i < ys.length; i++) if (!Number.isNaN(labels[i])) metric.update(ys[i], labels[i]);
    }
  }
  return labels;
}

/**
 * The runtime's test-then-train step on one vetted batch: predicts every event with the model as it stood
 * before the batch, scores the metrics, then learns the batch in one `learnMany`. Predicting the whole batch
 * before learning it is Spark streaming's `predictOn`/`trainOn` order; with batches of one it is River's.
 * A model that reports or throws a non-finite step (or cannot predict) yields `{ error }`, and may have
 * learned part of the batch: the caller rolls the slot back.
 */
export function testThenTrain(slot: ModelSlot, input: StepInput): StepOutcome {
  try {
    const predicted = score(slot.model, slot.metrics, input);
    slot.importance?.beforeLearn(input.rows, input.ys);
    const report = slot.model.learnMany(input.rows, input.ys, input.where);
    return report?.error ? { error: report.error } : { predictions: predicted };
  } catch (err) {
    // A model rejects what it cannot predict or learn (an overflowing margin, a non-finite step) with a
    // StreamlearnError; anything else is a bug or a mistake in the topology, not bad input.
    if (!(err instanceof StreamlearnError) || err instanceof ConfigError) throw err;
    return { error: err };
  }
}
