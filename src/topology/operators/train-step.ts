import { ConfigError, StreamlearnError } from '../../errors';
import { checkMetrics, testThenTrainBatch, testThenTrainRows, type BatchOutcome } from '../../evaluation/test-then-train';
import { isRowLearner } from '../../learners/estimator';
import type { FeatureBatch } from '../../features/feature-batch';
import type { Pipeline } from '../../features/pipeline';
import type { Row } from '../../features/stage';
import type { Examples } from '../../importance/snapshot';
import type { ModelSlot } from '../model-slot';

/**
 * A vetted batch: its rows and labels and, when the model is a pipeline, the features the fused pass wrote
 * for them (`features`, whose dropped rows predict NaN), learned by the pipeline's final estimator.
 */
export interface StepInput {
  /** The events' values: an array on the row form; on the column path, rows of Arrow tables made when read (importance samples a few). */
  rows: Examples<Row>;
  ys: Float64Array;
  features?: { batch: FeatureBatch; pipeline: Pipeline };
  /** `topic/partition@first..last`, named by errors. */
  where: string;
}

export type StepOutcome = { predictions: Float64Array } | { error: StreamlearnError };

/** Model + metrics pairs already checked by `checkMetrics` (once per slot model, not per batch). */
const checked = new WeakMap<object, object>();

function checkOnce(model: object & Parameters<typeof checkMetrics>[1], metrics: ModelSlot['metrics']): void {
  if (checked.get(model) === metrics) return;
  checkMetrics('topology metrics', model, Object.values(metrics));
  checked.set(model, metrics);
}

/** The fused path: the pipeline's stages already learned the rows; its estimator tests then trains on the batch's features. */
function fusedStep(slot: ModelSlot, input: StepInput, features: NonNullable<StepInput['features']>): Float64Array {
  const rows = features.batch.rows();
  const model = features.pipeline.model;
  checkOnce(model, slot.metrics);
  const ys = input.ys;
  const keptYs = new Float64Array(rows.count);
  for (let k = 0; k < rows.count; k++) keptYs[k] = ys[rows.row[k]];
  const metrics = Object.values(slot.metrics);
  const common = { metrics, ys: keptYs, where: input.where, beforeLearn: () => slot.importance?.beforeLearn(input.rows, ys) };
  // A linear learner reads the rows in place; the others take a view of each (the same features).
  const outcome: BatchOutcome = isRowLearner(model)
    ? testThenTrainRows({ ...common, model, rows })
    : testThenTrainBatch({ ...common, model, xs: features.batch.kept().vectors });
  if (outcome.report?.error) throw outcome.report.error;
  if (rows.count === ys.length) return outcome.predictions;
  const predictions = new Float64Array(ys.length).fill(NaN);
  for (let k = 0; k < rows.count; k++) predictions[rows.row[k]] = outcome.predictions[k];
  return predictions;
}

/**
 * The runtime's test-then-train step on one vetted batch (`testThenTrainBatch`, shared with
 * `progressiveValScore` and the other evaluators): predicts every event with the model as it stood before
 * the batch, scores the metrics, then learns the batch. On the fused path (pipelines) the stages have
 * already learned the batch row by row, each row featurised with the statistics of the rows before it,
 * and the final estimator predicts and learns those features: the model learns what `learnMany(rows)` would,
 * bit for bit. A model that reports or throws a non-finite step (or cannot predict) yields `{ error }`, and
 * may have learned part of the batch: the caller rolls the slot back.
 */
export function testThenTrain(slot: ModelSlot, input: StepInput): StepOutcome {
  try {
    if (input.features !== undefined) return { predictions: fusedStep(slot, input, input.features) };
    checkOnce(slot.model, slot.metrics);
    const { ys, where } = input;
    // Models without stages of their own learn row objects: the row form, whose rows are an array.
    const rows = Array.isArray(input.rows) ? (input.rows as Row[]) : Array.from({ length: input.rows.length }, (_, i) => input.rows.at(i) as Row);
    const metrics = Object.values(slot.metrics);
    const outcome = testThenTrainBatch({ model: slot.model, metrics, xs: rows, ys, where, beforeLearn: () => slot.importance?.beforeLearn(rows, ys) });
    return outcome.report?.error ? { error: outcome.report.error } : { predictions: outcome.predictions };
  } catch (err) {
    // A model rejects what it cannot predict or learn (an overflowing margin, a non-finite step) with a
    // StreamlearnError; anything else is a bug or a mistake in the topology, not bad input.
    if (!(err instanceof StreamlearnError) || err instanceof ConfigError) throw err;
    return { error: err };
  }
}
