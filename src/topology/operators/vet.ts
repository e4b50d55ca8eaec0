import type { DecodedRecord } from '../../../connectors/types';
import { DecodeError, LabelOutOfRangeError, NonFiniteError, StreamlearnError, errorMessage } from '../../errors';
import type { FeatureBatch } from '../../features/feature-batch';
import type { Pipeline } from '../../features/pipeline';
import type { Row } from '../../features/stage';
import { isSparse, type FeatureVector } from '../../learners/estimator';
import type { LabelIndexed } from '../../learners/label-indexer';
import type { ModelSlot } from '../model-slot';
import { isClassifier } from '../restore';

export type Verdict = { error: Error } | { vector: FeatureVector | null; y: number };

type Positioned = { topic: string; partition: number; offset: string; row?: number };

/** `topic/partition@offset` (and the row of a multi-row message): built only for an error, not per record. */
export function where(record: Positioned): string {
  return `${record.topic}/${record.partition}@${record.offset}${record.row === undefined ? '' : ` row ${record.row}`}`;
}

function firstNonFinite(vector: FeatureVector): number {
  const values = isSparse(vector) ? vector.values : vector;
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return isSparse(vector) ? vector.indices[i] : i;
  return -1;
}

/** Why the label cannot be learned, or null: a number, finite, a class index for classifiers, within the guard's bounds. */
function labelProblem(y: unknown, label: string, slot: ModelSlot, record: Positioned): Error | null {
  const at = () => where(record);
  if (typeof y !== 'number')
    return new DecodeError('SCHEMA', `${at()}: label field "${label}" is ${y === undefined ? 'missing' : `a ${typeof y}, not a number`}`);
  if (!Number.isFinite(y)) return new NonFiniteError(`${at()}: label field "${label}" is ${y}`);
  const { model } = slot;
  if (isClassifier(model) && !(Number.isInteger(y) && y >= 0 && y < model.numClasses)) {
    return new LabelOutOfRangeError(`${at()}: label field "${label}" is ${y}, not a class index in 0..${model.numClasses - 1}`);
  }
  return slot.labelGuard.check(y, () => `${at()}: label field "${label}"`);
}

/** The event's label as the model learns it (a class index for models that index labels), or why it cannot be learned. */
function vetLabel(record: DecodedRecord<unknown>, label: string, slot: ModelSlot): { error: Error } | { y: number; row: Row } {
  const value = record.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: new DecodeError('SCHEMA', `${where(record)}: the event is not a JSON object`) };
  let y = (value as Row)[label];
  const indexer = slot.model as Partial<LabelIndexed<Row>>;
  if (typeof indexer.indexLabel === 'function') {
    // A model that indexes labels (strings, booleans) maps them to class indexes first (src/learners/label-indexer).
    try {
      y = indexer.indexLabel(y);
    } catch (err) {
      return { error: new DecodeError('SCHEMA', `${where(record)}: label field "${label}": ${errorMessage(err)}`) };
    }
  }
  const problem = labelProblem(y, label, slot, record);
  return problem ? { error: problem } : { y: y as number, row: value as Row };
}

/** A stage's error with the record's position added (a stage names the column and the problem). */
function stageError(err: unknown, at: string): Error {
  if (err instanceof StreamlearnError) return new StreamlearnError(err.code, `${at}: ${err.message}`, { cause: err });
  return new DecodeError('SCHEMA', `${at}: ${errorMessage(err)}`, { cause: err });
}

/**
 * Why an event cannot be learned, or its label and the features the stages make of it (null when a stage
 * drops it). Runs the stages without updating them; the label guard learns the labels it accepts. For
 * models without stages of their own (recommenders); pipelines take `vetInto`.
 */
export function vet(record: DecodedRecord<unknown>, label: string, slot: ModelSlot): Verdict {
  const labelled = vetLabel(record, label, slot);
  if ('error' in labelled) return labelled;
  try {
    const vector = slot.model.transformOne(labelled.row);
    const bad = vector === null ? -1 : firstNonFinite(vector);
    if (bad >= 0) return { error: new NonFiniteError(`${where(record)}: feature ${bad} is not finite after the feature stages`) };
    slot.labelGuard.accept(labelled.y);
    return { vector, y: labelled.y };
  } catch (err) {
    return { error: stageError(err, where(record)) };
  }
}

// The first non-finite feature `admitFinite` found: module state, not a closure per event (featureStep calls
// it synchronously, and vetInto reads it right after).
let firstBad = -1;
const admitFinite = (features: FeatureVector): boolean => (firstBad = firstNonFinite(features)) < 0;

/**
 * The fused pass's vetting of one event for a pipeline (`Pipeline.featureStep`): checks the label, runs
 * the stages once, refuses features that are not finite, and otherwise lets the stages learn the event and
 * appends its features to `batch` (copied into the batch's reused buffers). Returns the label, or why the
 * event cannot be learned; a refused event has taught no stage anything.
 */
export function vetInto(
  record: DecodedRecord<unknown>,
  label: string,
  slot: ModelSlot,
  pipeline: Pipeline,
  batch: FeatureBatch,
): { error: Error } | { y: number } {
  const labelled = vetLabel(record, label, slot);
  if ('error' in labelled) return labelled;
  try {
    const vector = pipeline.featureStep(labelled.row, admitFinite);
    if (vector === undefined) return { error: new NonFiniteError(`${where(record)}: feature ${firstBad} is not finite after the feature stages`) };
    batch.add(vector);
  } catch (err) {
    return { error: stageError(err, where(record)) };
  }
  slot.labelGuard.accept(labelled.y);
  return { y: labelled.y };
}

/** The pipeline a model featurises with on the fused pass: itself, or the one a label indexer wraps; undefined for other models. */
export function fusedPipeline(model: ModelSlot['model']): Pipeline | undefined {
  const isPipeline = (candidate: unknown): candidate is Pipeline => typeof (candidate as Partial<Pipeline> | undefined)?.featureStep === 'function';
  if (isPipeline(model)) return model;
  const inner = (model as { model?: unknown }).model;
  return isPipeline(inner) ? inner : undefined;
}

/** The class index (or regression target) of a label: mapped by the model when it indexes labels (src/learners/label-indexer). */
export function labelIndex(model: ModelSlot['model'], y: unknown): number {
  const indexer = model as Partial<LabelIndexed<Row>>;
  return typeof indexer.indexLabel === 'function' ? indexer.indexLabel(y) : (y as number);
}
